"""Charts drawn on the server as SVG: the geometry here, the drawing in templates/office/_charts.

Each bar carries its number beside it and a ``<title>`` (shown on hover), so a chart is read
with scripts off, and its ``data-key`` / ``data-value`` say exactly which figure it draws.
"""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 28
BAR_GAP = 12
LABEL_WIDTH = 190
VALUE_WIDTH = 150
CHART_WIDTH = 760


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int
    text: str
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    value_x_pad: int = 8


def bar_chart(rows: list[dict], *, value: str, label, text) -> BarChart:
    """Horizontal bars, longest for the largest ``value``; ``label(row)`` and ``text(value)``
    say what each bar is and what its number reads."""
    top = max((row[value] for row in rows), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, row in enumerate(rows):
        amount = int(row[value])
        bars.append(
            Bar(
                key=str(row["key"]),
                label=label(row),
                value=amount,
                text=text(amount),
                x=LABEL_WIDTH,
                y=index * (BAR_HEIGHT + BAR_GAP) + BAR_GAP // 2,
                width=max(2, round(room * amount / top)) if amount else 0,
                height=BAR_HEIGHT,
            )
        )
    height = max(1, len(rows)) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(bars, CHART_WIDTH, height, LABEL_WIDTH)


@dataclass(frozen=True)
class Point:
    key: str
    label: str
    value: int
    text: str
    x: int
    y: int


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    width: int
    height: int
    baseline: int
    path: str


LINE_WIDTH = 760
LINE_HEIGHT = 260
LINE_PAD_X = 60
LINE_PAD_TOP = 36
LINE_PAD_BOTTOM = 40


def line_chart(rows: list[dict], *, value: str, label, text) -> LineChart:
    """A line through the rows in order (months), each point with its number above it."""
    top = max((row[value] for row in rows), default=0) or 1
    inner_w = LINE_WIDTH - 2 * LINE_PAD_X
    inner_h = LINE_HEIGHT - LINE_PAD_TOP - LINE_PAD_BOTTOM
    step = inner_w / (len(rows) - 1) if len(rows) > 1 else 0
    points = []
    for index, row in enumerate(rows):
        amount = int(row[value])
        x = round(LINE_PAD_X + index * step) if len(rows) > 1 else LINE_WIDTH // 2
        y = round(LINE_PAD_TOP + inner_h * (1 - amount / top))
        points.append(Point(str(row["key"]), label(row), amount, text(amount), x, y))
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
    return LineChart(points, LINE_WIDTH, LINE_HEIGHT, LINE_HEIGHT - LINE_PAD_BOTTOM, path)
