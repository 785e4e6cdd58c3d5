"""Charts drawn on the server as SVG: the geometry here, the markup in ``templates/_macros.html``.

No chart library and no script: a sparkline is a polyline, a bar chart is rectangles, each with a
text alternative that says the same numbers, so a screen reader and a printed page lose nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spark:
    """A sparkline of counts, oldest first."""

    width: int
    height: int
    points: str
    """``x,y`` pairs for an SVG polyline (empty when there is nothing to draw)."""
    last_x: float
    last_y: float
    values: tuple[int, ...]

    @property
    def description(self) -> str:
        if not self.values:
            return "no stored runs"
        return (f"{len(self.values)} runs, oldest first: {', '.join(str(v) for v in self.values)}; "
                f"lowest {min(self.values)}, highest {max(self.values)}")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Bars:
    """A bar chart: ``columns`` (one vertical bar per run) or ``rows`` (one horizontal bar per bucket)."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    top: int

    @property
    def description(self) -> str:
        return "; ".join(f"{b.label}: {b.value}" for b in self.bars) or "nothing to show"


def sparkline(values: Sequence[int], *, width: int = 120, height: int = 28, pad: int = 3) -> Spark:
    """The polyline of ``values`` (oldest first) scaled into ``width`` × ``height``."""
    if not values:
        return Spark(width, height, "", 0, 0, ())
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    coords = [(pad + i * step, height - pad - (v - low) / span * (height - 2 * pad)) for i, v in enumerate(values)]
    if len(values) == 1:
        coords = [(pad, coords[0][1]), (width - pad, coords[0][1])]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    return Spark(width, height, points, round(coords[-1][0], 1), round(coords[-1][1], 1), tuple(values))


def columns(items: Sequence[tuple[str, int]], *, width: int = 640, height: int = 160, gap: float = 2,
            widest: float = 40) -> Bars:
    """Vertical bars, one per item, left to right (e.g. the count of each run, oldest first)."""
    top = max((v for _, v in items), default=0) or 1
    slot = min(width / max(len(items), 1), widest)
    bars = tuple(Bar(label, v, i * slot + gap / 2, height - v / top * height, max(slot - gap, 1), v / top * height)
                 for i, (label, v) in enumerate(items))
    return Bars(width, height, bars, top)


def rows(items: Sequence[tuple[str, int]], *, width: int = 360, bar_height: int = 18, gap: int = 6) -> Bars:
    """Horizontal bars, one per item, top to bottom (e.g. customers per ageing bucket)."""
    top = max((v for _, v in items), default=0) or 1
    bars = tuple(Bar(label, v, 0, i * (bar_height + gap), v / top * width, bar_height)
                 for i, (label, v) in enumerate(items))
    return Bars(width, max(len(items) * (bar_height + gap) - gap, 1), bars, top)
