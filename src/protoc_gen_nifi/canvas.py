"""NiFi's canvas geometry (component sizes, boxes, overlaps), shared by the flow's layout and its picture."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter

# The sizes NiFi's UI draws components at (nifi-frontend .../ui/common/canvas/canvas.constants.ts and the
# *-manager.service.ts beside it: processor-manager 352x128, process-group-manager 384x176, port-manager
# 240x48, funnel-manager 48x48); a label carries its own width and height.
SIZES = {
    "processors": (352.0, 128.0),
    "processGroups": (384.0, 176.0),
    "remoteProcessGroups": (384.0, 176.0),
    "inputPorts": (240.0, 48.0),
    "outputPorts": (240.0, 48.0),
    "funnels": (48.0, 48.0),
}
KINDS = (*SIZES, "labels")


@dataclass(frozen=True)
class Box:
    kind: str  # the group's list the component is in: "processors", "inputPorts", ...
    component: dict
    x: float
    y: float
    width: float
    height: float

    @property
    def identifier(self) -> str:
        return self.component["identifier"]

    def overlaps(self, other: Box) -> bool:
        # Touching edges are not an overlap: NiFi draws each box inside its own bounds.
        return (self.x < other.x + other.width and other.x < self.x + self.width
                and self.y < other.y + other.height and other.y < self.y + self.height)

    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


def box(kind: str, component: dict) -> Box:
    width, height = (component["width"], component["height"]) if kind == "labels" else SIZES[kind]
    return Box(kind, component, component["position"]["x"], component["position"]["y"], width, height)


def sized(group: dict) -> Iterator[tuple[str, dict, float, float]]:
    """A group's direct children in a stable order (kind, then identifier), each with its size on NiFi's canvas:
    (kind, component, width, height). boxes() without the Box objects, for the picture's many groups."""
    for kind in KINDS:
        components = group.get(kind)
        if components:
            size = SIZES.get(kind)  # None for labels: each carries its own
            for c in sorted(components, key=_identifier):
                yield (kind, c, *size) if size else (kind, c, c["width"], c["height"])


_identifier = itemgetter("identifier")  # a sort key called in C, for every component of every picture


def boxes(group: dict) -> list[Box]:
    """The boxes of a group's direct children, in a stable order (kind, then identifier)."""
    return [Box(kind, c, c["position"]["x"], c["position"]["y"], width, height)
            for kind, c, width, height in sized(group)]


def overlaps(group: dict) -> list[tuple[str, str, str]]:
    """Every pair of overlapping children, in this group and every group below: (group name, a name, b name)."""
    found = []
    children = boxes(group)
    for i, a in enumerate(children):
        for b in children[i + 1:]:
            if a.overlaps(b):
                found.append((group["name"], name(a), name(b)))
    for child in group.get("processGroups", []):
        found += overlaps(child)
    return found


def name(b: Box) -> str:
    return b.component.get("name") or b.component.get("label") or f"{b.kind[:-1]} {b.identifier[:8]}"
