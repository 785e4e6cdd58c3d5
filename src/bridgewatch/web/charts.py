"""Charts drawn on the server as SVG: the geometry here, the markup in ``templates/_macros.html``.

No chart library and no script: a sparkline is a polyline, a bar chart is rectangles, each with a
text alternative that says the same numbers, so a screen reader and a printed page lose nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spark:
    """A sparkline of counts, oldest first; a run that was not counted (``None``: stale or no data) is a gap."""

    width: int
    height: int
    segments: tuple[str, ...]
    """``x,y`` pairs for one SVG polyline per run of counted values (none when there is nothing to draw)."""
    last: tuple[float, float] | None
    """Where the latest run's dot goes; None when the latest run was not counted (no dot: no value to show)."""
    values: tuple[int | None, ...]
    notes: tuple[str, ...] = ()
    """Per value, what to say beside it (e.g. ``backfill``, ``not counted: stale data``); empty: nothing."""
    marks: tuple[tuple[float, float], ...] = ()
    """Hollow dots: counted values with a note (a backfill), so they read differently from a live run."""

    @property
    def description(self) -> str:
        if not self.values:
            return "no stored runs"
        counted = [v for v in self.values if v is not None]
        said = ", ".join(_said(v, n) for v, n in zip(self.values, self.notes or ("",) * len(self.values),
                                                     strict=True))
        span = f"lowest {min(counted)}, highest {max(counted)}" if counted else "none counted"
        return f"{len(self.values)} runs, oldest first: {said}; {span}"


def _said(value: int | None, note: str) -> str:
    if value is None:
        return note or "not counted"
    return f"{value} ({note})" if note else str(value)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None
    """None: the run was not counted (stale or no data): drawn as an outlined gap, never as a 0."""
    x: float
    y: float
    width: float
    height: float
    note: str = ""
    """What to say beside the value (``backfill``, ``not counted: stale data``); empty: nothing."""

    @property
    def said(self) -> str:
        return _said(self.value, self.note)


@dataclass(frozen=True)
class Bars:
    """A bar chart: ``columns`` (one vertical bar per run) or ``rows`` (one horizontal bar per bucket)."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    top: int

    @property
    def description(self) -> str:
        return "; ".join(f"{b.label}: {b.said}" for b in self.bars) or "nothing to show"


def sparkline(values: Sequence[int | None], *, notes: Sequence[str] = (), width: int = 120, height: int = 28,
              pad: int = 3) -> Spark:
    """The polyline of ``values`` (oldest first) scaled into ``width`` × ``height``; a ``None`` (a run that was not
    counted) breaks the line, so it is a gap rather than a 0 that would read as an all-clear. ``notes``: per value,
    what to say beside it in the description; a counted value with a note also gets a hollow dot."""
    notes = tuple(notes) or ("",) * len(values)
    if len(notes) != len(values):
        raise ValueError("one note per value")
    counted = [v for v in values if v is not None]
    if not counted:
        return Spark(width, height, (), None, tuple(values), notes if any(notes) else ())
    low, high = min(counted), max(counted)
    span = (high - low) or 1
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    coords = [None if v is None else (pad + i * step, height - pad - (v - low) / span * (height - 2 * pad))
              for i, v in enumerate(values)]
    if len(values) == 1:
        coords = [(pad, coords[0][1]), (width - pad, coords[0][1])]  # type: ignore[index]
    segments, run = [], []
    for c in [*coords, None]:
        if c is not None:
            run.append(c)
            continue
        if len(run) == 1:  # one counted run between gaps: a short dash, so it is seen
            run = [(run[0][0] - 1.5, run[0][1]), (run[0][0] + 1.5, run[0][1])]
        if run:
            segments.append(" ".join(f"{x:.1f},{y:.1f}" for x, y in run))
        run = []
    last = coords[-1]
    marks = tuple((round(c[0], 1), round(c[1], 1)) for c, v, n in zip(coords, values, notes, strict=False)
                  if c is not None and v is not None and n)
    return Spark(width, height, tuple(segments), None if last is None else (round(last[0], 1), round(last[1], 1)),
                 tuple(values), notes if any(notes) else (), marks)


def columns(items: Sequence[tuple[str, int | None] | tuple[str, int | None, str]], *, width: int = 640,
            height: int = 160, gap: float = 2, widest: float = 40) -> Bars:
    """Vertical bars, one per item, left to right (e.g. the count of each run, oldest first): ``(label, value)`` or
    ``(label, value, note)``. A ``None`` value (a run that was not counted) is a full-height outlined gap with its
    note, never a bar of 0."""
    top = max((it[1] for it in items if it[1] is not None), default=0) or 1
    slot = min(width / max(len(items), 1), widest)
    bars = []
    for i, it in enumerate(items):
        label, v, note = it[0], it[1], (it[2] if len(it) > 2 else "")
        tall = height if v is None else v / top * height
        bars.append(Bar(label, v, i * slot + gap / 2, height - tall, max(slot - gap, 1), tall, note))
    return Bars(width, height, tuple(bars), top)


def rows(items: Sequence[tuple[str, int]], *, width: int = 360, bar_height: int = 18, gap: int = 6) -> Bars:
    """Horizontal bars, one per item, top to bottom (e.g. customers per ageing bucket)."""
    top = max((v for _, v in items), default=0) or 1
    bars = tuple(Bar(label, v, 0, i * (bar_height + gap), v / top * width, bar_height)
                 for i, (label, v) in enumerate(items))
    return Bars(width, max(len(items) * (bar_height + gap) - gap, 1), bars, top)
