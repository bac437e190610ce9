"""The picture of a flow (`<integration>/nifi/flow.svg`): NiFi's canvas, every group opened in place (path -> bytes).

Inside a group every component keeps its canvas position and NiFi's size (canvas.SIZES), so the picture shows
what NiFi shows when the group is entered; a process group, a 384x176 box on NiFi's canvas, is drawn opened up
around its children, and its siblings move apart just enough to keep their canvas order (rows and columns).
The SVG is written element by element as the components are drawn (what ElementTree writes for the same
elements, indented), with stable ids (the flow's own) and one element per line, so it reads in a browser and
diffs line by line in a pull request.
"""
from __future__ import annotations

import math
import re
from operator import itemgetter

from .canvas import KINDS, sized

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


class _NumberTexts(dict):
    """Coordinates as short, stable text (integers without a fraction), by value: `_text_of[x]`. Pictures share
    most of their coordinates (rows and columns on NiFi's grid), so each is written once; a dict's item is cheaper
    to look up than a cached function is to call, and the picture looks up a thousand a flow."""

    __slots__ = ()
    LIMIT = 1 << 12  # distinct coordinates kept: a long-lived process drawing many flows stays small

    def __missing__(self, value: float) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        text = self[value] = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
        return text


_text_of = _NumberTexts()


def _short_type(component: dict) -> str:
    return component["type"].rsplit(".", 1)[-1]


class _Placed:
    """A component's box: placed relative to its group's content corner, in picture coordinates once drawn."""

    __slots__ = ("children", "component", "height", "kind", "width", "x", "y")

    def __init__(self, kind: str, component: dict, x: float, y: float, width: float, height: float,
                 children: list[_Placed]) -> None:
        self.kind, self.component, self.x, self.y = kind, component, x, y
        self.width, self.height, self.children = width, height, children

    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


def _stretch(starts: list[float], grown: dict[float, list[tuple[float, float]]]) -> dict[float, float]:
    """Picture x for the distinct canvas x `starts`: an x keeps its canvas distance from every earlier one, plus
    the growth of each opened group that starts at an earlier x. grown[x]: (canvas width, picture width) of the
    boxes starting at x that are wider in the picture than on the canvas (opened groups)."""
    offsets: dict[float, float] = {}
    for start in starts:
        offset = 0.0
        for earlier, earlier_offset in offsets.items():
            offset = max(offset, earlier_offset + (start - earlier))
            for canvas_size, picture_size in grown[earlier]:
                offset = max(offset, earlier_offset + picture_size + (start - earlier - canvas_size))
        offsets[start] = offset
    return offsets


def _place(group: dict) -> tuple[list[_Placed], float, float]:
    """The group's children placed relative to its content's top-left corner (each opened group's own children
    relative to that group's), and the content's size."""
    placed: list[_Placed] = []
    canvas: list[tuple[float, float, str, float, float, _Placed]] = []  # y, x, identifier, width, height, placed
    grown: dict[float, list[tuple[float, float]]] = {}  # canvas x -> the boxes there that the picture widens
    for kind, c, canvas_width, canvas_height in sized(group):
        position = c["position"]
        x = position["x"]
        if kind == "processGroups":
            inner, width, height = _place(c)
            width, height = max(width + 2 * PADDING, canvas_width), max(height + 2 * PADDING + HEADER, canvas_height)
            if width > canvas_width:
                grown.setdefault(x, []).append((canvas_width, width))
        else:
            inner, width, height = [], canvas_width, canvas_height
        item = _Placed(kind, c, 0.0, 0.0, width, height, inner)
        placed.append(item)
        canvas.append((position["y"], x, c["identifier"], canvas_width, canvas_height, item))
        if x not in grown:
            grown[x] = []

    # Columns move apart as a whole (every box keeps its canvas column); within a column a box moves down
    # below the opened boxes above it that share canvas width with it. Boxes apart on the canvas stay apart.
    xs = sorted(grown)
    x_at = _stretch(xs, grown)
    left = x_at[xs[0]] if xs else 0.0
    reading_order = sorted(canvas, key=_reading_order)
    top = reading_order[0][0] if reading_order else 0.0
    # The boxes placed so far that a box below them can move, top to bottom: canvas y, x, right, height; picture
    # bottom. A box that neither moved down nor grew keeps a box below it where it is on the canvas: it is left out.
    above: list[tuple] = []
    right_most = bottom_most = -math.inf  # the content's size: where the boxes end
    for b_y, b_x, _, b_width, b_height, item in reading_order:
        y = unmoved = b_y - top
        b_right = b_x + b_width
        for a_y, a_x, a_right, a_height, a_bottom in above:
            if a_y >= b_y:  # the rest are on b's own canvas row
                break
            if a_x < b_right and b_x < a_right:
                below = a_bottom + (b_y - a_y - a_height)
                y = max(y, below)
        item.x = x = x_at[b_x] - left
        item.y, bottom = y, y + item.height
        if bottom > unmoved + b_height:
            above.append((b_y, b_x, b_right, b_height, bottom))
        right_most, bottom_most = max(right_most, x + item.width), max(bottom_most, bottom)
    return (placed, right_most, bottom_most) if placed else (placed, 0.0, 0.0)


_reading_order = itemgetter(0, 1, 2)  # canvas y, x, identifier
_identifier = itemgetter("identifier")


# Characters XML 1.0 cannot hold at all (ElementTree would write them and the SVG would not parse): the complement
# of its Char production, written as the few ranges it leaves out (the negated class took 9 ms to compile, at every
# plugin start).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text from a proto, shown as it is, except what XML cannot hold at all, shown escaped (\\x16)."""
    if text.isprintable():  # no control character, surrogate or non-character: nothing XML cannot hold
        return text
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# ElementTree's escaping (xml/etree/ElementTree.py: _escape_cdata, _escape_attrib), in its order; a replace only
# where the character occurs, as ElementTree does.
_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE_ESCAPES = (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _replace_each(text: str, escapes: tuple) -> str:
    for character, entity in escapes:
        if character in text:
            text = text.replace(character, entity)
    return text


def _escape_text(text: str) -> str:
    """Element text as ElementTree writes it."""
    if text.isprintable():  # no control character or line break: nothing XML cannot hold (_xml_text's own test)
        if "&" not in text and "<" not in text and ">" not in text:  # almost every text: nothing to escape
            return text
    else:
        text = _xml_text(text)
    return _replace_each(text, _TEXT_ESCAPES)


def _escape_attribute(value: str) -> str:
    """An attribute value as ElementTree writes it: element text's escaping, then quotes and the whitespace that
    attribute normalisation would lose."""
    if value.isprintable() and '"' not in value and "&" not in value and "<" not in value and ">" not in value:
        return value  # almost every value (identifiers, class names): nothing to escape, not even \t \n \r
    return _replace_each(_escape_text(value), _ATTRIBUTE_ESCAPES)


def _attributes(*pairs: tuple[str, str | float]) -> str:
    """Attributes as the writer takes them, ' name="value"' each: a value a string or a coordinate (_text_of).
    The pictures' many elements write theirs with one f-string instead: numbers and constant text need no
    escaping, and only text from the flow goes through _escape_attribute."""
    return "".join([f' {name}="{_escape_attribute(value) if isinstance(value, str) else _text_of[value]}"'
                    for name, value in pairs])


class _SvgWriter:
    """Writes the SVG's elements as they are drawn, as the text `ET.indent(tree, "  ")` then `ET.tostring(tree)`
    would give for the same element tree (a test holds it to ElementTree): building that tree and walking it
    again took most of a picture's time. An element with children is `start`ed and `end`ed, any other is one
    `leaf`; its attributes come written, as _attributes writes them.

    Each line is kept as the Latin-1 text of its UTF-8 bytes (each byte the character of that code): one character
    beyond ASCII (every connection's arrow) would otherwise make the whole picture's text two bytes a character,
    copied up character by character when joined and encoded to UTF-8 a character at a time; this way both are
    copies, and only the few lines beyond ASCII are encoded."""

    __slots__ = ("_indent", "_open", "_parts")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._open: list[tuple[str, int, str]] = []  # the started elements: tag, how many lines with it, indent
        self._indent = ""  # what goes before the next element: ElementTree's indent, two spaces a level

    def start(self, tag: str, attributes: str = "") -> None:
        indent, parts = self._indent, self._parts
        line = f"{indent}<{tag}{attributes}>"
        parts.append(line if line.isascii() else line.encode().decode("latin-1"))
        self._open.append((tag, len(parts), indent))
        self._indent = (indent or "\n") + "  "

    def end(self) -> None:
        tag, lines, self._indent = self._open.pop()
        parts = self._parts
        if lines == len(parts):  # no children after all: ElementTree writes an empty element
            parts[-1] = parts[-1][:-1] + " />"
        else:
            parts.append(f"{self._indent or chr(10)}</{tag}>")

    def leaf(self, tag: str, attributes: str = "", text: str | None = None) -> None:
        line = (f"{self._indent}<{tag}{attributes}>{_escape_text(text)}</{tag}>" if text
                else f"{self._indent}<{tag}{attributes} />")
        self._parts.append(line if line.isascii() else line.encode().decode("latin-1"))

    def utf8(self) -> bytes:
        """The document's UTF-8 bytes."""
        assert not self._open, "an element was started and not ended"
        return "".join(self._parts).encode("latin-1")

    def text(self) -> str:
        return self.utf8().decode("utf-8")


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


def _box(item: _Placed) -> str:
    return (f' x="{_text_of[item.x]}" y="{_text_of[item.y]}" width="{_text_of[item.width]}"'
            f' height="{_text_of[item.height]}"')


# Each element's attributes are written with one f-string: coordinates by _text_of, constants as they are, and
# only the flow's own text (identifiers) through _escape_attribute.
def _draw_component(svg: _SvgWriter, item: _Placed, left: float, top: float, at: dict[str, _Placed],
                    offset: dict[str, tuple]) -> None:
    """Draws the component (a group with everything in it), its group's content corner at (left, top), and notes
    where it is for the connections: `at` its box by identifier (from now in picture coordinates), `offset` where
    a group's canvas origin lands (its children keep their canvas distances)."""
    item.x += left
    item.y += top
    c = item.component
    identifier = c["identifier"]
    at[identifier] = item
    kind = item.kind
    if kind == "processors":
        x, y, height = _text_of[item.x], _text_of[item.y], _text_of[item.height]
        text_x = _text_of[item.x + 20]
        svg.start("g", f' id="processor-{_escape_attribute(identifier)}"')
        svg.leaf("title", "", f"{c['name']} ({c['type']})")
        svg.leaf("rect", f' x="{x}" y="{y}" width="{_text_of[item.width]}" height="{height}" rx="4" class="processor"')
        svg.leaf("rect", f' x="{x}" y="{y}" width="6" height="{height}" class="band"')
        svg.leaf("text", f' x="{text_x}" y="{_text_of[item.y + 48]}" class="name"', _fit(c["name"], NAME_CHARS))
        svg.leaf("text", f' x="{text_x}" y="{_text_of[item.y + 76]}" class="type"', _short_type(c))
        svg.end()
    elif kind == "processGroups":
        svg.start("g", f' id="pg-{_escape_attribute(identifier)}"')
        svg.leaf("title", "", c["name"])
        svg.leaf("rect", f'{_box(item)} rx="6" class="{"group" if "groupIdentifier" in c else "group root"}"')
        svg.leaf("text", f' x="{_text_of[item.x + 16]}" y="{_text_of[item.y + 26]}" class="group"', c["name"])
        children = item.children
        if children:
            content_left, content_top = item.x + PADDING, item.y + PADDING + HEADER
            for child in children:
                _draw_component(svg, child, content_left, content_top, at, offset)
            first = children[0]
            offset.setdefault(identifier, (first.x - first.component["position"]["x"],
                                           first.y - first.component["position"]["y"]))
        svg.end()
    elif kind in ("inputPorts", "outputPorts"):
        kind = "input-port" if kind == "inputPorts" else "output-port"
        svg.start("g", f' id="{kind}-{_escape_attribute(identifier)}"')
        svg.leaf("title", "", f"{kind.replace('-', ' ')} {c['name']}")
        svg.leaf("rect", f'{_box(item)} rx="4" class="{kind}"')
        arrow = "\u25b6 " if kind == "input-port" else "\u25b7 "
        svg.leaf("text", f' x="{_text_of[item.x + 14]}" y="{_text_of[item.y + 29]}" class="name"',
                 arrow + _fit(c["name"], 26))
        svg.end()
    elif kind == "funnels":
        svg.start("g", f' id="funnel-{_escape_attribute(identifier)}"')
        svg.leaf("title", "", "funnel")
        x, y = item.center()
        svg.leaf("circle", f' cx="{_text_of[x]}" cy="{_text_of[y]}" r="{_text_of[item.width / 2]}" class="funnel"')
        svg.end()
    elif kind == "labels":
        svg.start("g", f' id="label-{_escape_attribute(identifier)}"')
        svg.leaf("rect", f'{_box(item)} class="label"')
        text_x = _text_of[item.x + 10]
        for i, line in enumerate(_words(c["label"], int(item.width / 7))):
            svg.leaf("text", f' x="{text_x}" y="{_text_of[item.y + 20 + 17 * i]}" class="label"', line)
        svg.end()
    else:  # Remote process groups: the generator makes none; a box keeps the picture honest if one ever appears.
        svg.start("g", f' id="component-{_escape_attribute(identifier)}"')
        svg.leaf("rect", f'{_box(item)} class="processor"')
        svg.end()


def _edge(item: _Placed, cx: float, cy: float, toward_x: float, toward_y: float) -> tuple[float, float]:
    """Where the line from the box's centre (cx, cy) toward a point leaves the box (funnels: their circle)."""
    dx, dy = toward_x - cx, toward_y - cy
    if not dx and not dy:
        return cx, cy
    if item.kind == "funnels":
        length = (dx * dx + dy * dy) ** 0.5
        return cx + dx / length * item.width / 2, cy + dy / length * item.height / 2
    # The nearer of the box's sides the line meets (a straight line meets only one: no min() with an infinity).
    if not dx:
        scale = item.height / 2 / abs(dy)
    else:
        scale = item.width / 2 / abs(dx)
        if dy:
            scale = min(scale, item.height / 2 / abs(dy))
    return cx + dx * scale, cy + dy * scale


def _draw_connections(svg: _SvgWriter, group: dict, at: dict[str, _Placed], offset: dict[str, tuple]) -> None:
    """Draws the group's connections, then those of the groups in it, each group's in identifier order."""
    connections = group["connections"]
    if connections:
        # Bends are canvas positions in the connection's group: the picture moves them with the group.
        dx, dy = offset[group["identifier"]]
        for connection in sorted(connections, key=_identifier):
            _draw_connection(svg, connection, at, dx, dy)
    for child in sorted(group["processGroups"], key=_identifier):
        _draw_connections(svg, child, at, offset)


def _label(connection: dict) -> str:
    """The relationships, the back pressure where it is not NiFi's default, the name before them; " · " between."""
    label = ", ".join(filter(None, connection["selectedRelationships"]))  # the relationships that have a name
    objects, size = connection["backPressureObjectThreshold"], connection["backPressureDataSizeThreshold"]
    if objects != DEFAULT_BACKPRESSURE[0] or size != DEFAULT_BACKPRESSURE[1]:
        label = f"{label} \u00b7 \u29d7 {objects} / {size}" if label else f"\u29d7 {objects} / {size}"
    name = connection.get("name")
    if name:
        label = f"{name} \u00b7 {label}" if label else name
    return label


def _draw_connection(svg: _SvgWriter, connection: dict, at: dict[str, _Placed], dx: float, dy: float) -> None:
    """Draws the connection; (dx, dy) is where its group's canvas origin lands in the picture."""
    source_end, destination_end = connection["source"], connection["destination"]
    source, destination = at[source_end["id"]], at[destination_end["id"]]
    source_x, source_y = source.x + source.width / 2, source.y + source.height / 2  # the boxes' centres
    destination_x, destination_y = destination.x + destination.width / 2, destination.y + destination.height / 2
    bends = connection["bends"]
    if bends:
        bends = [(b["x"] + dx, b["y"] + dy) for b in bends]
        start = _edge(source, source_x, source_y, *bends[0])
        end = _edge(destination, destination_x, destination_y, *bends[-1])
        path = " L ".join([f"{_text_of[x]} {_text_of[y]}" for x, y in (start, *bends, end)])
    else:  # most connections: a straight line
        start = _edge(source, source_x, source_y, destination_x, destination_y)
        end = _edge(destination, destination_x, destination_y, source_x, source_y)
        path = f"{_text_of[start[0]]} {_text_of[start[1]]} L {_text_of[end[0]]} {_text_of[end[1]]}"
    # Failure paths are drawn dashed and red: the way to the parked-failures queue or the dead letter.
    relationships = connection["selectedRelationships"]
    source_name, destination_name = source_end["name"], destination_end["name"]
    failing = ("failure" in relationships or "retry" in relationships or source_name == "failure"
               or destination_name == "failure" or connection.get("name"))
    svg.start("g", f' id="connection-{_escape_attribute(connection["identifier"])}"')
    svg.leaf("title", "", f"{source_name or 'funnel'} \u2192 {destination_name or 'funnel'}")
    # Numbers only: the path needs no escaping.
    svg.leaf("path", f' d="M {path}" class="connection failure"' if failing else f' d="M {path}" class="connection"')
    text = _label(connection)
    if text:
        # NiFi puts the label on the bend labelIndex names, else half-way.
        if bends:
            x, y = bends[min(connection.get("labelIndex", 0), len(bends) - 1)]
        else:
            x, y = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        svg.leaf("text", f' x="{_text_of[x + 6]}" y="{_text_of[y - 4]}" class="connection"', text)
    svg.end()


def flow_svg(root: dict) -> bytes:
    """The picture of a flow's root group, as SVG text."""
    placed, width, height = _place({"processGroups": [root]} | {k: [] for k in KINDS if k != "processGroups"}
                                   | {"name": ""})
    total_width, total_height = width + 2 * MARGIN, height + 2 * MARGIN
    svg = _SvgWriter()
    svg.start("svg", _attributes(("xmlns", SVG_NS), ("width", total_width), ("height", total_height),
                                 ("viewBox", f"0 0 {_text_of[total_width]} {_text_of[total_height]}")))
    svg.leaf("title", "", f"NiFi flow {root['name']}")
    svg.leaf("style", "", STYLE)
    svg.start("defs")
    for marker, colour in (("arrow", "#4d6b78"), ("arrow-failure", "#ba554a")):
        svg.start("marker", _attributes(("id", marker), ("viewBox", "0 0 10 10"), ("refX", "10"), ("refY", "5"),
                                        ("markerWidth", "8"), ("markerHeight", "8"),
                                        ("orient", "auto-start-reverse")))
        svg.leaf("path", _attributes(("d", "M 0 0 L 10 5 L 0 10 z"), ("fill", colour)))
        svg.end()
    svg.end()
    at: dict[str, _Placed] = {}
    offset: dict[str, tuple] = {}
    for item in placed:
        _draw_component(svg, item, MARGIN, MARGIN, at, offset)
    svg.start("g", ' id="connections"')
    _draw_connections(svg, root, at, offset)
    svg.end()
    svg.end()
    return svg.utf8() + b"\n"


def diagram_files(base: str, root: dict) -> dict[str, bytes]:
    return {f"{base}/nifi/flow.svg": flow_svg(root)}
