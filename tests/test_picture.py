"""The picture of every flow and the canvas under it (issue 14): no two components of a group overlap at NiFi's
real sizes, nifi/flow.svg is a well-formed picture of the whole flow (rendered by a real headless Chromium when
the machine has one), and <integration>/README.md shows it with the ports, scripts and parameters."""
from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from itertools import pairwise

import pytest
import yaml
from conftest import GOLDEN_INPUTS, ROOT, SEED_PROTOS, run_protoc

from protoc_gen_nifi import diagram
from protoc_gen_nifi.canvas import SIZES, boxes, overlaps
from protoc_gen_nifi.rendering import markdown_text

SVG = "{http://www.w3.org/2000/svg}"
# Every input the goldens and examples generate from (flows with HTTP branches, lookups, a dead letter, no OUT).
INPUTS = {
    "seed": [SEED_PROTOS],
    "ev_coownership": [ROOT / "examples" / "ev_coownership" / "proto"],
    "order_to_erp": [ROOT / "examples" / "order_to_erp" / "proto"],
    "all_transports": [GOLDEN_INPUTS / "all_transports"],
    "tls_and_shared": [GOLDEN_INPUTS / "tls_and_shared"],
    "editions": [GOLDEN_INPUTS / "editions"],
    "proto2_overrides": [GOLDEN_INPUTS / "proto2_overrides"],
}
BROWSERS = ("chromium-headless-shell", "chromium", "google-chrome")  # live/backends.py installs the first


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """integration -> its files (path inside the integration folder -> bytes), over every input."""
    found: dict[str, dict[str, bytes]] = {}
    for case, roots in sorted(INPUTS.items()):
        run = run_protoc(tmp_path_factory.mktemp(case), roots)
        assert run.returncode == 0, run.stderr
        for path, content in run.files.items():
            integration, rest = path.split("/", 1)
            found.setdefault(f"{case}/{integration}", {})[rest] = content
    return found


def _flow(files: dict[str, bytes]) -> dict:
    return json.loads(files["nifi/flow-definition.json"])["flowContents"]


def _groups(group: dict):
    yield group
    for child in group["processGroups"]:
        yield from _groups(child)


def test_every_input_gives_flows(outputs):
    assert sorted(outputs) == [
        "all_transports/every_transport", "all_transports/every_trigger", "editions/telemetry_relay",
        "ev_coownership/booking_analytics", "ev_coownership/cross_service_validation",
        "ev_coownership/financial_reconciliation", "ev_coownership/maintenance_predictions",
        "order_to_erp/order_to_erp", "proto2_overrides/billing_invoices_etc", "seed/order_to_erp",
        "tls_and_shared/secure_orders",
    ]


def test_no_two_components_of_a_group_overlap_at_nifis_sizes(outputs):
    found = {name: overlaps(_flow(files)) for name, files in outputs.items()}
    assert {name: o for name, o in found.items() if o} == {}


def test_connection_bends_lie_in_the_gaps_between_components(outputs):
    # A bend (NiFi draws a connection through its bends) inside a component, or a straight run between two bends
    # through one, would hide the way on the canvas; the failure buses run in the gaps between columns.
    bent = 0
    for name, files in outputs.items():
        for group in _groups(_flow(files)):
            children = boxes(group)
            for connection in group["connections"]:
                points = [(b["x"], b["y"]) for b in connection["bends"]]
                bent += bool(points)
                for x, y in points:
                    assert not any(b.x <= x <= b.x + b.width and b.y <= y <= b.y + b.height for b in children), name
                for (x1, y1), (x2, y2) in pairwise(points):
                    assert x1 == x2 or y1 == y2  # the runs between bends are straight along an axis
                    low_x, high_x, low_y, high_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
                    assert not any(b.x <= high_x and low_x <= b.x + b.width and b.y <= high_y and low_y <= b.y + b.height
                                   for b in children), (name, connection["identifier"])
    assert bent > 0


def test_the_overlap_check_finds_an_overlap():
    processor = {"identifier": "a", "name": "a", "position": {"x": 0.0, "y": 0.0}}
    port = {"identifier": "b", "name": "b", "position": {"x": 351.0, "y": 127.0}}
    apart = {"identifier": "c", "name": "c", "position": {"x": 352.0, "y": 0.0}}  # touching is not overlapping
    group = {"name": "g", "processors": [processor, apart], "inputPorts": [port], "processGroups": []}
    assert overlaps(group) == [("g", "a", "b"), ("g", "c", "b")]


def _parse(svg: bytes) -> ET.Element:
    """The strict parse every picture must pass, browser or not."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    text = svg.decode("utf-8")
    for referenced in re.findall(r"url\(#([^)]+)\)", text):
        assert referenced in ids, f"url(#{referenced}) has no element"
    return root


def _rect(element: ET.Element) -> tuple[float, float, float, float]:
    rect = element.find(f"{SVG}rect")
    if rect is None:  # a funnel
        circle = element.find(f"{SVG}circle")
        cx, cy, r = (float(circle.get(k)) for k in ("cx", "cy", "r"))
        return cx - r, cy - r, 2 * r, 2 * r
    return tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))


def _inside(inner, outer) -> bool:
    return (outer[0] <= inner[0] and inner[0] + inner[2] <= outer[0] + outer[2]
            and outer[1] <= inner[1] and inner[1] + inner[3] <= outer[1] + outer[3])


def test_the_picture_shows_every_component_inside_its_group_at_nifis_size(outputs):
    for name, files in outputs.items():
        flow, svg = _flow(files), files["nifi/flow.svg"]
        root = _parse(svg)
        by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
        width, height = float(root.get("width")), float(root.get("height"))
        for group in _groups(flow):
            element = by_id[f"pg-{group['identifier']}"]
            box = _rect(element)
            assert _inside(box, (0.0, 0.0, width, height)), name
            assert element.find(f"{SVG}text").text == group["name"]
            children = {f"processor-{c['identifier']}": ("processors", c) for c in group["processors"]}
            children |= {f"input-port-{c['identifier']}": ("inputPorts", c) for c in group["inputPorts"]}
            children |= {f"output-port-{c['identifier']}": ("outputPorts", c) for c in group["outputPorts"]}
            children |= {f"funnel-{c['identifier']}": ("funnels", c) for c in group["funnels"]}
            children |= {f"pg-{c['identifier']}": ("processGroups", c) for c in group["processGroups"]}
            for element_id, (kind, component) in children.items():
                child = by_id[element_id]
                assert child in list(element), f"{name}: {element_id} is not drawn inside {group['name']}"
                child_box = _rect(child)
                assert _inside(child_box, box), f"{name}: {element_id} leaves {group['name']}"
                if kind != "processGroups":  # groups are drawn opened; everything else at NiFi's size
                    assert child_box[2:] == SIZES[kind], f"{name}: {element_id}"
            # Inside a group, the picture keeps the canvas' distances between components.
            leaves = [(by_id[i], c) for i, (k, c) in children.items() if k != "processGroups"]
            if leaves:
                (first, origin), *rest = leaves
                fx, fy = _rect(first)[:2]
                for element, component in rest:
                    x, y = _rect(element)[:2]
                    assert (x - fx, y - fy) == (component["position"]["x"] - origin["position"]["x"],
                                                component["position"]["y"] - origin["position"]["y"]), name
            for processor in group["processors"]:
                texts = [t.text for t in by_id[f"processor-{processor['identifier']}"].iter(f"{SVG}text")]
                assert processor["type"].rsplit(".", 1)[-1] in texts
                assert any(processor["name"].startswith(t.rstrip("\u2026")) for t in texts if t)
        connections = [c for g in _groups(flow) for c in g["connections"]]
        assert {f"connection-{c['identifier']}" for c in connections} == {
            i for i in by_id if i.startswith("connection-")}, name
        for c in connections:
            labels = [t.text for t in by_id[f"connection-{c['identifier']}"].iter(f"{SVG}text")]
            for relationship in c["selectedRelationships"]:
                assert not relationship or relationship in " ".join(labels), name
            if (c["backPressureObjectThreshold"], c["backPressureDataSizeThreshold"]) != (10000, "1 GB"):
                assert f"{c['backPressureObjectThreshold']} / {c['backPressureDataSizeThreshold']}" in labels[0]


def test_the_picture_reads_in_a_diff_one_element_per_line(outputs):
    svg = outputs["ev_coownership/cross_service_validation"]["nifi/flow.svg"].decode("utf-8")
    lines = svg.splitlines()
    assert svg.endswith("</svg>\n")
    assert all(line.count("<") <= 2 for line in lines)  # an element, or an element with its text
    assert max(len(line) for line in lines if "<style>" not in line) < 400


def _as_elementtree_writes(svg: bytes) -> bytes:
    """The picture parsed and written again by ElementTree, indented as the picture promises to be."""
    tree = ET.fromstring(svg)
    for element in tree.iter():  # the elements as the picture names them: svg's namespace its first attribute
        element.tag = element.tag.removeprefix(SVG)
    attributes = {"xmlns": SVG[1:-1], **tree.attrib}
    tree.attrib.clear()
    tree.attrib.update(attributes)
    ET.indent(tree, space="  ")
    return ET.tostring(tree, encoding="unicode").encode("utf-8") + b"\n"


def test_the_svg_writer_writes_what_elementtree_writes(outputs):
    """diagram writes the SVG text itself as it draws (building an ElementTree and serialising it took most of a
    run's picture time): on every flow, the bytes are ElementTree's own for the same elements."""
    for name, files in sorted(outputs.items()):
        svg = files["nifi/flow.svg"]
        assert diagram.flow_svg(_flow(files)) == svg, name
        assert _as_elementtree_writes(svg) == svg, name


# Proto text the picture shows: what XML escapes, what it cannot hold at all, line breaks, beyond ASCII and the BMP.
NASTY = ['a & b < c > d "e" \'f\'', "line\nbreak\ttab\rreturn\r\nboth", "control \x16\x00\x1f\x7f\x85 chars",
         "\U0001f680 r\u00f6ket \u4e2d\u6587 \u2192", "lone \ud800 surrogate \udfff", "\ufffe\uffff not characters",
         "]]> &amp; &#10;", "", " ", "  \t  "]


def test_the_svg_writer_escapes_as_elementtree_does():
    svg = diagram._SvgWriter()
    reference = ET.Element("svg", {"xmlns": SVG[1:-1], "width": "10.5"})
    svg.start("svg", diagram._attributes(("xmlns", SVG[1:-1]), ("width", 10.5)))
    for text in NASTY:
        svg.leaf("text", diagram._attributes(("x", 1.0), ("class", text)), text)
        ET.SubElement(reference, "text", {"x": "1", "class": diagram._xml_text(text)}).text = diagram._xml_text(text)
        svg.start("g", diagram._attributes(("id", text)))
        svg.leaf("title", "", text)
        svg.end()
        group = ET.SubElement(reference, "g", {"id": diagram._xml_text(text)})
        ET.SubElement(group, "title").text = diagram._xml_text(text)
    svg.start("g", diagram._attributes(("id", "empty")))  # started, and no children after all
    svg.end()
    ET.SubElement(reference, "g", {"id": "empty"})
    svg.end()
    ET.indent(reference, space="  ")
    assert svg.text() == ET.tostring(reference, encoding="unicode")
    # What XML cannot hold is exactly what XML 1.0's Char production leaves out (#x9 | #xA | #xD | [#x20-#xD7FF] |
    # [#xE000-#xFFFD] | [#x10000-#x10FFFF]).
    def xml_char(c):
        return c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF

    assert [c for c in range(sys.maxunicode + 1) if bool(diagram._NOT_XML.match(chr(c))) == xml_char(c)] == []
    # The writer's fast path: a printable text holds nothing XML cannot hold, whatever the Python.
    assert not [hex(c) for c in range(sys.maxunicode + 1) if chr(c).isprintable() and diagram._NOT_XML.match(chr(c))]
    # What XML cannot hold is shown escaped, everything else as it is.
    assert diagram._xml_text("a\x16b\x00\U0001f680\ud800\ufffe\t\n\r\u00e9") == \
        "a\\x16b\\x00\U0001f680\\xd800\\xfffe\t\n\r\u00e9"


def test_proto_text_in_the_picture_is_escaped_on_every_kind_of_component(outputs):
    flow = _flow(outputs["order_to_erp/order_to_erp"])
    # XML parsers read a carriage return in element text as a line feed: the writer's own test holds "\r".
    names = [text.replace("\r", "") for text in NASTY]
    renamed = 0

    def rename(value):
        nonlocal renamed
        if isinstance(value, dict):
            for key in value:
                if key in ("name", "label") and isinstance(value[key], str):
                    value[key], renamed = names[renamed % len(names)], renamed + 1
                else:
                    rename(value[key])
        elif isinstance(value, list):
            for item in value:
                rename(item)

    rename(flow)
    assert renamed > 50
    svg = diagram.flow_svg(flow)
    assert _as_elementtree_writes(svg) == svg
    by_id = {e.get("id"): e for e in _parse(svg).iter() if e.get("id")}
    shown = 0
    for group in _groups(flow):
        titles = {f"pg-{group['identifier']}": group["name"]}
        titles |= {f"processor-{p['identifier']}": f"{p['name']} ({p['type']})" for p in group["processors"]}
        titles |= {f"input-port-{p['identifier']}": f"input port {p['name']}" for p in group["inputPorts"]}
        titles |= {f"output-port-{p['identifier']}": f"output port {p['name']}" for p in group["outputPorts"]}
        for element_id, title in titles.items():
            assert by_id[element_id].find(f"{SVG}title").text == (diagram._xml_text(title) or None), element_id
            shown += 1
    assert shown > 20


def test_back_pressure_that_differs_from_nifis_default_is_labelled(outputs):
    # proto2_overrides sets backpressure_objects on its ports.
    svg = next(files["nifi/flow.svg"] for name, files in outputs.items() if name.startswith("proto2_overrides"))
    assert re.search(rb"\xe2\xa7\x97 \d+ / ", svg)


def _browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def _png_pixels(png: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixel colours of an 8-bit RGB(A) PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        chunks.setdefault(kind, []).append(png[at + 8:at + 8 + length])
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][0][:10])
    assert depth == 8 and colour in (2, 6)
    step = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks[b"IDAT"])), width * step
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # PNG filters (PNG spec, 9.2)
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    colours = {row[i:i + 3] for row in rows[::7] for i in range(0, stride, step * 7)}
    return width, height, colours


def test_a_headless_browser_renders_the_picture(outputs, tmp_path):
    name = "order_to_erp/order_to_erp"
    svg = outputs[name]["nifi/flow.svg"]
    _parse(svg)  # the strict parse holds whether or not a browser is here
    browser = _browser()
    if browser is None:
        pytest.skip("no headless Chromium on this machine (python3 dev.py nifi backends installs it as root); "
                    "the picture was checked by the strict SVG parse only")
    page = tmp_path / "flow.svg"
    page.write_bytes(svg)
    root = ET.fromstring(svg)
    width, height = int(float(root.get("width"))), int(float(root.get("height")))
    shot = tmp_path / "flow.png"
    run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                          f"--screenshot={shot}", f"--window-size={width},{height}", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=False)
    assert shot.exists(), run.stderr
    png_width, png_height, colours = _png_pixels(shot.read_bytes())
    assert (png_width, png_height) == (width, height)
    # Drawn, not blank: the group fills, the port colours and the lines are all there.
    assert len(colours) > 20
    assert bytes.fromhex("e3f2e7") in colours and bytes.fromhex("fbeee0") in colours  # input and output ports


def test_the_readme_shows_the_picture_ports_scripts_and_parameters(outputs):
    for name, files in outputs.items():
        readme = files["README.md"].decode("utf-8")
        assert "](nifi/flow.svg)" in readme, name
        flow = _flow(files)
        for port in {p["name"] for g in _groups(flow) for p in g["processors"] if p["name"].startswith("map ")}:
            assert f"### `{port}`" in readme, name
        parameters = yaml.safe_load(files["nifi/parameter-context.yaml"])["parameters"]
        for p in parameters:
            row = next(line for line in readme.splitlines() if line.startswith(f"| `{p['name']}` |"))
            assert row.split(" | ")[1] == ("**yes**" if p["sensitive"] else "no"), (name, row)
    order = outputs["order_to_erp/order_to_erp"]["README.md"].decode("utf-8")
    assert "| `OrdersIn` | IN | kafka (ConsumeKafka) |" in order
    # The HTTP OUT port's non-credential required header is an attribute the mapping must set.
    assert "Attributes it must set (the egress group reads them; a FlowFile without one goes to `failure`): " \
           "`X-Correlation-Id`." in order
    assert "kubectl apply -k order_to_erp/kubernetes" in order


def test_proto_text_cannot_break_out_of_the_readme():
    assert markdown_text("a | b\n<img src=x> *c* [d](e) `f`") == r"a \| b \<img src=x\> \*c\* \[d\](e) \`f\`"
