"""The picture of a flow (`<integration>/nifi/flow.svg`): NiFi's canvas, every group opened in place (path -> bytes).

Inside a group every component keeps its canvas position and NiFi's size (canvas.SIZES), so the picture shows
what NiFi shows when the group is entered; a process group, a 384x176 box on NiFi's canvas, is drawn opened up
around its children, and its siblings move apart just enough to keep their canvas order (rows and columns).
The SVG is built as an element tree with stable ids (the flow's own) and one element per line, so it reads in a
browser and diffs line by line in a pull request.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .canvas import KINDS, Box, boxes

SVG_NS = "http://www.w3.org/2000/svg"
PADDING = 32.0  # around a group's children, inside its box
HEADER = 40.0  # a group's title bar
MARGIN = 24.0  # around the whole picture
NAME_CHARS = 38  # what fits on one line of a processor box at the picture's font size
# NiFi's defaults for a new connection (nifi.properties: nifi.queue.backpressure.count / .size, read by
# FlowController / StandardFlowManager): a connection is labelled with its back pressure only when it differs.
DEFAULT_BACKPRESSURE = (10000, "1 GB")

STYLE = """
svg { font-family: "Helvetica Neue", Arial, sans-serif; font-size: 13px; }
rect.group { fill: #f4f6f8; stroke: #728e9b; stroke-width: 1.5; }
rect.root { fill: #ffffff; }
text.group { font-size: 15px; font-weight: bold; fill: #262626; }
rect.processor { fill: #ffffff; stroke: #aabbc3; stroke-width: 1.5; }
rect.band { fill: #728e9b; }
text.name { font-weight: bold; fill: #262626; }
text.type { fill: #595959; font-size: 12px; }
rect.input-port { fill: #e3f2e7; stroke: #4a8c5c; stroke-width: 1.5; }
rect.output-port { fill: #fbeee0; stroke: #b4762d; stroke-width: 1.5; }
circle.funnel { fill: #ffffff; stroke: #728e9b; stroke-width: 1.5; }
rect.label { fill: #fff7d7; stroke: #d9c88a; }
text.label { fill: #4d4d4d; font-size: 12px; }
path.connection { fill: none; stroke: #4d6b78; stroke-width: 1.5; marker-end: url(#arrow); }
path.failure { stroke: #ba554a; stroke-dasharray: 6 3; marker-end: url(#arrow-failure); }
text.connection { fill: #262626; font-size: 12px; paint-order: stroke; stroke: #ffffff; stroke-width: 4px; }
"""


def _number(value: float) -> str:
    """Coordinates as short, stable text: integers without a fraction."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _short_type(component: dict) -> str:
    return component["type"].rsplit(".", 1)[-1]


@dataclass
class _Placed:
    """A component's box in picture coordinates."""

    kind: str
    component: dict
    x: float
    y: float
    width: float
    height: float
    children: list[_Placed] = field(default_factory=list)

    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


def _stretch(starts: list[float], ends: dict[float, list[tuple[float, float]]]) -> dict[float, float]:
    """Picture x for the distinct canvas x `starts`: an x keeps its canvas distance from every earlier one, plus
    the growth of each opened group that starts at an earlier x. ends[x]: (canvas width, picture width) of the
    boxes starting at x."""
    offsets: dict[float, float] = {}
    for i, start in enumerate(starts):
        offset = 0.0
        for earlier in starts[:i]:
            offset = max(offset, offsets[earlier] + (start - earlier))
            for canvas_size, picture_size in ends[earlier]:
                if picture_size > canvas_size:
                    offset = max(offset, offsets[earlier] + picture_size + (start - earlier - canvas_size))
        offsets[start] = offset
    return offsets


def _place(group: dict) -> tuple[list[_Placed], float, float]:
    """The group's children placed relative to its content's top-left corner, and the content's size."""
    children = boxes(group)
    opened: dict[str, tuple[list[_Placed], float, float]] = {
        b.identifier: _place(b.component) for b in children if b.kind == "processGroups"
    }

    def picture_size(b: Box) -> tuple[float, float]:
        if b.kind != "processGroups":
            return b.width, b.height
        _, width, height = opened[b.identifier]
        return max(width + 2 * PADDING, b.width), max(height + 2 * PADDING + HEADER, b.height)

    # Columns move apart as a whole (every box keeps its canvas column); within a column a box moves down
    # below the opened boxes above it that share canvas width with it. Boxes apart on the canvas stay apart.
    xs = sorted({b.x for b in children})
    x_ends: dict[float, list] = {x: [] for x in xs}
    for b in children:
        x_ends[b.x].append((b.width, picture_size(b)[0]))
    x_at = _stretch(xs, x_ends)
    top = min((b.y for b in children), default=0.0)
    y_at: dict[str, float] = {}
    for b in sorted(children, key=lambda b: (b.y, b.x, b.identifier)):
        y = b.y - top
        for a in children:
            if a.identifier in y_at and a.y < b.y and a.x < b.x + b.width and b.x < a.x + a.width:
                y = max(y, y_at[a.identifier] + picture_size(a)[1] + (b.y - a.y - a.height))
        y_at[b.identifier] = y
    placed = []
    for b in children:
        width, height = picture_size(b)
        item = _Placed(b.kind, b.component, x_at[b.x] - x_at[xs[0]], y_at[b.identifier], width, height)
        if b.kind == "processGroups":
            inner, _, _ = opened[b.identifier]
            item.children = [_moved(c, item.x + PADDING, item.y + PADDING + HEADER) for c in inner]
        placed.append(item)
    width = max((p.x + p.width for p in placed), default=0.0)
    height = max((p.y + p.height for p in placed), default=0.0)
    return placed, width, height


def _moved(item: _Placed, dx: float, dy: float) -> _Placed:
    return _Placed(item.kind, item.component, item.x + dx, item.y + dy, item.width, item.height,
                   [_moved(c, dx, dy) for c in item.children])


def _all(items: list[_Placed]):
    for item in items:
        yield item
        yield from _all(item.children)


# Characters XML 1.0 cannot hold at all (ElementTree would write them and the SVG would not parse).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """Text from a proto, shown as it is, except what XML cannot hold at all, shown escaped (\\x16)."""
    if text.isascii() and text.isprintable():  # numbers, ids, most names: nothing to look for
        return text
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# ElementTree's escaping (xml/etree/ElementTree.py: _escape_cdata, _escape_attrib), as translation tables.
_CDATA = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
                            "\t": "&#09;"})


def _serialise(element: ET.Element, out: list[str], depth: int = 0) -> None:
    """Writes what `ET.indent(element, "  ")` then `ET.tostring(element)` write, byte for byte (a test holds it
    to them), without their namespace pass over the whole tree: a third of a run's time went there."""
    pad = "  " * depth
    out.append(f"<{element.tag}")
    for name, value in element.attrib.items():
        out.append(f' {name}="{value.translate(_ATTRIBUTE)}"')
    children = list(element)
    if not children and not element.text:
        out.append(" />")
        return
    out.append(">")
    if children:
        out.append((element.text or "").translate(_CDATA) if (element.text or "").strip() else f"\n{pad}  ")
        for i, child in enumerate(children):
            _serialise(child, out, depth + 1)
            out.append(f"\n{pad}  " if i + 1 < len(children) else f"\n{pad}")
    else:
        out.append(element.text.translate(_CDATA))
    out.append(f"</{element.tag}>")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): _xml_text(v)
                                          for k, v in attributes.items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


def _rect(parent: ET.Element, item: _Placed, **attributes) -> ET.Element:
    return _sub(parent, "rect", x=_number(item.x), y=_number(item.y), width=_number(item.width),
                height=_number(item.height), **attributes)


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _words(text: str, limit: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _draw_component(parent: ET.Element, item: _Placed) -> None:
    c = item.component
    if item.kind == "processGroups":
        g = _sub(parent, "g", id=f"pg-{c['identifier']}")
        _sub(g, "title", c["name"])
        _rect(g, item, rx="6", class_="group" if "groupIdentifier" in c else "group root")
        _sub(g, "text", c["name"], x=_number(item.x + 16), y=_number(item.y + 26), class_="group")
        for child in item.children:
            _draw_component(g, child)
        return
    if item.kind == "processors":
        g = _sub(parent, "g", id=f"processor-{c['identifier']}")
        _sub(g, "title", f"{c['name']} ({c['type']})")
        _rect(g, item, rx="4", class_="processor")
        _sub(g, "rect", x=_number(item.x), y=_number(item.y), width="6", height=_number(item.height),
             class_="band")
        _sub(g, "text", _fit(c["name"], NAME_CHARS), x=_number(item.x + 20), y=_number(item.y + 48),
             class_="name")
        _sub(g, "text", _short_type(c), x=_number(item.x + 20), y=_number(item.y + 76), class_="type")
        return
    if item.kind in ("inputPorts", "outputPorts"):
        kind = "input-port" if item.kind == "inputPorts" else "output-port"
        g = _sub(parent, "g", id=f"{kind}-{c['identifier']}")
        _sub(g, "title", f"{kind.replace('-', ' ')} {c['name']}")
        _rect(g, item, rx="4", class_=kind)
        arrow = "\u25b6 " if kind == "input-port" else "\u25b7 "
        _sub(g, "text", arrow + _fit(c["name"], 26), x=_number(item.x + 14), y=_number(item.y + 29),
             class_="name")
        return
    if item.kind == "funnels":
        g = _sub(parent, "g", id=f"funnel-{c['identifier']}")
        _sub(g, "title", "funnel")
        x, y = item.center()
        _sub(g, "circle", cx=_number(x), cy=_number(y), r=_number(item.width / 2), class_="funnel")
        return
    if item.kind == "labels":
        g = _sub(parent, "g", id=f"label-{c['identifier']}")
        _rect(g, item, class_="label")
        for i, line in enumerate(_words(c["label"], int(item.width / 7))):
            _sub(g, "text", line, x=_number(item.x + 10), y=_number(item.y + 20 + 17 * i), class_="label")
        return
    # Remote process groups: the generator makes none; a box keeps the picture honest if one ever appears.
    g = _sub(parent, "g", id=f"component-{c['identifier']}")
    _rect(g, item, class_="processor")


def _edge(item: _Placed, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre toward a point leaves the box (funnels: their circle)."""
    cx, cy = item.center()
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    if item.kind == "funnels":
        length = (dx * dx + dy * dy) ** 0.5
        return cx + dx / length * item.width / 2, cy + dy / length * item.height / 2
    scale = min(item.width / 2 / abs(dx) if dx else float("inf"), item.height / 2 / abs(dy) if dy else float("inf"))
    return cx + dx * scale, cy + dy * scale


def _connections(group: dict):
    yield from sorted(group["connections"], key=lambda c: c["identifier"])
    for child in sorted(group["processGroups"], key=lambda g: g["identifier"]):
        yield from _connections(child)


def _label(connection: dict) -> str:
    parts = [", ".join(r for r in connection["selectedRelationships"] if r)]
    objects, size = connection["backPressureObjectThreshold"], connection["backPressureDataSizeThreshold"]
    if (objects, size) != DEFAULT_BACKPRESSURE:
        parts.append(f"\u29d7 {objects} / {size}")
    if connection.get("name"):
        parts.insert(0, connection["name"])
    return " \u00b7 ".join(p for p in parts if p)


def _draw_connection(parent: ET.Element, connection: dict, at: dict[str, _Placed], offset: dict[str, tuple]) -> None:
    source, destination = at[connection["source"]["id"]], at[connection["destination"]["id"]]
    # Bends are canvas positions in the connection's group: the picture moves them with the group.
    dx, dy = offset[connection["groupIdentifier"]]
    bends = [(b["x"] + dx, b["y"] + dy) for b in connection["bends"]]
    start = _edge(source, bends[0] if bends else destination.center())
    end = _edge(destination, bends[-1] if bends else source.center())
    points = [start, *bends, end]
    # Failure paths are drawn dashed and red: the way to the parked-failures queue or the dead letter.
    failing = any(r in ("failure", "retry") for r in connection["selectedRelationships"]) or "failure" in (
        connection["source"]["name"], connection["destination"]["name"]) or connection.get("name")
    g = _sub(parent, "g", id=f"connection-{connection['identifier']}")
    _sub(g, "title", f"{connection['source']['name'] or 'funnel'} \u2192 "
                     f"{connection['destination']['name'] or 'funnel'}")
    _sub(g, "path", d="M " + " L ".join(f"{_number(x)} {_number(y)}" for x, y in points),
         class_="connection failure" if failing else "connection")
    text = _label(connection)
    if text:
        # NiFi puts the label on the bend labelIndex names, else half-way.
        if bends:
            x, y = bends[min(connection.get("labelIndex", 0), len(bends) - 1)]
        else:
            x, y = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        _sub(g, "text", text, x=_number(x + 6), y=_number(y - 4), class_="connection")


def flow_svg(root: dict) -> bytes:
    """The picture of a flow's root group, as SVG text."""
    out: list[str] = []
    _serialise(picture(root), out)
    return "".join(out).encode("utf-8") + b"\n"


def picture(root: dict) -> ET.Element:
    """The picture of a flow's root group, as an SVG element tree."""
    inner, width, height = _place({"processGroups": [root]} | {k: [] for k in KINDS if k != "processGroups"}
                                  | {"name": ""})
    placed = [_moved(item, MARGIN, MARGIN) for item in inner]
    total_width, total_height = width + 2 * MARGIN, height + 2 * MARGIN
    svg = ET.Element("svg", {"xmlns": SVG_NS, "width": _number(total_width), "height": _number(total_height),
                             "viewBox": f"0 0 {_number(total_width)} {_number(total_height)}"})
    _sub(svg, "title", f"NiFi flow {root['name']}")
    _sub(svg, "style", STYLE)
    defs = _sub(svg, "defs")
    marker = _sub(defs, "marker", id="arrow", viewBox="0 0 10 10", refX="10", refY="5", markerWidth="8",
                  markerHeight="8", orient="auto-start-reverse")
    _sub(marker, "path", d="M 0 0 L 10 5 L 0 10 z", fill="#4d6b78")
    marker = _sub(defs, "marker", id="arrow-failure", viewBox="0 0 10 10", refX="10", refY="5", markerWidth="8",
                  markerHeight="8", orient="auto-start-reverse")
    _sub(marker, "path", d="M 0 0 L 10 5 L 0 10 z", fill="#ba554a")
    for item in placed:
        _draw_component(svg, item)
    at = {item.component["identifier"]: item for item in _all(placed)}
    # Where each group's canvas origin lands in the picture (its children keep their canvas distances).
    offset = {}
    for item in _all(placed):
        for child in item.children:
            offset.setdefault(item.component["identifier"], (child.x - child.component["position"]["x"],
                                                             child.y - child.component["position"]["y"]))
    lines = _sub(svg, "g", id="connections")
    for connection in _connections(root):
        _draw_connection(lines, connection, at, offset)
    return svg


def diagram_files(base: str, root: dict) -> dict[str, bytes]:
    return {f"{base}/nifi/flow.svg": flow_svg(root)}
