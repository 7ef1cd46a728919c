"""Small trend charts as inline SVG, drawn on the server: the same markup in the dashboard and the printed
KPI report (WeasyPrint draws inline SVG), with no charting library in the browser.

Each bar and point carries `data-year` and `data-value` with the exact figure, so a reader (or a test)
can read what is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Series", "bars_svg", "histogram_svg"]

_W, _H = 520, 200
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 10, 12, 26


@dataclass(frozen=True, kw_only=True)
class Series:
    """One stacked part of a bar chart: its name (for the legend), colour and a value per year."""

    name: str
    colour: str
    values: Sequence[float]


def _ticks(top: float) -> list[float]:
    """Three or four round grid values from 0 up to at least `top`."""
    if top <= 0:
        return [0.0, 1.0]
    step = 10 ** len(str(int(top))) / 10 if top >= 1 else 0.1
    for factor in (1, 2, 2.5, 5, 10):
        if top / (step * factor) <= 4:
            step *= factor
            break
    ticks, value = [], 0.0
    while value < top + step * 0.999:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _label(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def bars_svg(
    years: Sequence[int],
    series: Sequence[Series],
    *,
    title: str,
    chart_id: str,
    highlight_from: int | None = None,
    labels: Sequence[str] | None = None,
) -> str:
    """Stacked bars per year (e.g. realised and planned openings); years from `highlight_from` are shaded
    as the future. `labels` replaces the years under the bars."""
    labels = [str(y) for y in years] if labels is None else list(labels)
    totals = [sum(s.values[i] for s in series) for i in range(len(years))]
    ticks = _ticks(max(totals, default=0.0))
    top = ticks[-1] or 1.0
    inner_w, inner_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    slot = inner_w / max(len(years), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" id="{escape(chart_id)}" viewBox="0 0 {_W} {_H}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    if highlight_from is not None and highlight_from in years:
        x = _LEFT + years.index(highlight_from) * slot
        parts.append(
            f'<rect x="{x:.1f}" y="{_TOP}" width="{_LEFT + inner_w - x:.1f}" height="{inner_h}" fill="#f4f7f6"/>'
        )
    for tick in ticks:
        y = _TOP + inner_h - tick / top * inner_h
        parts.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dfe3e6"/>')
        parts.append(
            f'<text x="{_LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="9" '
            f'fill="#607d8b">{_label(tick)}</text>'
        )
    for i, year in enumerate(years):
        x = _LEFT + i * slot + slot * 0.15
        base = _TOP + inner_h
        for s in series:
            value = float(s.values[i])
            height = value / top * inner_h
            if value > 0:
                parts.append(
                    f'<rect class="bar" data-series="{escape(s.name)}" data-year="{year}" data-value="{value:g}" '
                    f'x="{x:.1f}" y="{base - height:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
                    f'fill="{s.colour}"><title>{year} {escape(s.name)}: {value:g}</title></rect>'
                )
            base -= height
        if len(years) <= 16 or i % 2 == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{_H - 10}" text-anchor="middle" font-size="9" '
                f'fill="#607d8b">{escape(labels[i])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(values: Sequence[int], counts: Sequence[int], *, title: str, chart_id: str, unit: str) -> str:
    """A histogram of counts per whole value (e.g. works per year of delay)."""
    return bars_svg(
        list(values),
        [Series(name=unit, colour="#00695c", values=counts)],
        title=title,
        chart_id=chart_id,
        labels=[f"{v:+d}" if v else "0" for v in values],
    )
