"""Server-side SVG charts for the médiateurs' statistics pages: no chart library in the browser.

Pages are served under `style-src 'self'`, so colours and sizes are SVG presentation attributes,
never a `style` attribute or element. Each chart supplements a data table on the same page: it is
one image (`role="img"`) named by its `<title>` and summarised by its `<desc>`. Every text is
escaped, and the same input always gives the same bytes.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

from markupsafe import Markup, escape

NARROW_NBSP = "\u202f"  # French thousands separator
NBSP = "\u00a0"  # between a number and its unit
BAR_FILL = "#1d4f91"  # 8.1:1 on white (non-text graphics need 3:1)
TEXT_FILL = "#1a1a1a"  # 17.4:1 on white (text needs 4.5:1)
LABEL_MAX = 32  # characters of a bar's label before it is cut with "…"
COLUMN_LABEL_MAX = 16
EMPTY = "No data"
SUMMARY = "Largest: {label}, {value}."

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def format_number(value: float, separator: str = NARROW_NBSP) -> str:
    """1234 -> "1 234", 1234.5 -> "1 234,5": integers bare, others with one decimal after a comma."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    if float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,.1f}"
        if text == "-0.0":
            text = "0.0"
    return text.translate({ord(","): separator, ord("."): ","})


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, float]], *, unit: str = "",
              width: int = 640, empty: str = EMPTY, summary: str = SUMMARY,
              separator: str = NARROW_NBSP) -> Markup:
    """Horizontal bars, one per (label, value) in the given order, labels before and values after."""
    values = _checked(rows)
    if not rows:
        return _empty_chart(chart_id, title, empty, width)
    font = 13
    top, row_h, bar_h = 8, 28, 18
    texts = [_value_text(value, unit, separator) for value in values]
    label_w = min(240, round(width * 0.4))
    bar_x = label_w + 8
    span = max(width - bar_x - max(_text_width(text, font) for text in texts) - 16, 0)
    scale = span / max(values) if max(values) > 0 else 0.0
    height = 2 * top + len(rows) * row_h
    out = _open(chart_id, title, _summary(summary, rows, values, unit, separator), width, height, font,
                "bar")
    out.append(f'<line x1="{bar_x}" y1="{top}" x2="{bar_x}" y2="{height - top}" stroke="{TEXT_FILL}"/>')
    for index, ((label, _), value, text) in enumerate(zip(rows, values, texts, strict=True)):
        y = top + index * row_h
        baseline = _n(y + row_h / 2 + font * 0.35)
        length = value * scale
        out += [
            '<g class="chart-row">',
            f"<title>{escape(str(label))}</title>",
            f'<text x="{label_w}" y="{baseline}" text-anchor="end">'
            f"{escape(_cut(str(label), LABEL_MAX))}</text>",
            f'<rect x="{bar_x}" y="{_n(y + (row_h - bar_h) / 2)}" width="{_n(length)}" height="{bar_h}"'
            f' fill="{BAR_FILL}"/>',
            f'<text x="{_n(bar_x + length + 6)}" y="{baseline}">{escape(text)}</text>',
            "</g>",
        ]
    out.append("</svg>")
    return Markup("\n".join(out))


def column_chart(chart_id: str, title: str, columns: Sequence[tuple[str, float]], *, unit: str = "",
                 width: int = 640, height: int = 240, empty: str = EMPTY, summary: str = SUMMARY,
                 separator: str = NARROW_NBSP) -> Markup:
    """Vertical columns, one per (label, value) in the given order, values above and labels below."""
    values = _checked(columns)
    if not columns:
        return _empty_chart(chart_id, title, empty, width)
    font, top = 12, 24
    labels = [_cut(str(label), COLUMN_LABEL_MAX) for label, _ in columns]
    label_px = max(_text_width(label, font) for label in labels)
    slot = (width - 16) / len(columns)
    slanted = label_px > slot - 4  # too wide to sit side by side: slant them at 45°
    reach = label_px * math.sqrt(0.5)  # how far a slanted label goes down and to the left
    # Room on the left for the first slanted label: left + slot / 2 - reach >= 4 once slot is narrowed.
    half = 1 / (2 * len(columns))
    left = max(8.0, (reach + 4 - (width - 8) * half) / (1 - half)) if slanted else 8.0
    slot = (width - left - 8) / len(columns)
    bottom = round(reach + 20) if slanted else 22
    plot_h = max(height - top - bottom, 60)
    base = top + plot_h
    column_w = min(slot * 0.6, 48)
    scale = plot_h / max(values) if max(values) > 0 else 0.0
    out = _open(chart_id, title, _summary(summary, columns, values, unit, separator), width,
                base + bottom, font, "column")
    out.append(f'<line x1="{_n(left)}" y1="{base}" x2="{width - 8}" y2="{base}" stroke="{TEXT_FILL}"/>')
    for index, ((label, _), value, short) in enumerate(zip(columns, values, labels, strict=True)):
        x = left + slot * (index + 0.5)
        h = value * scale
        if slanted:
            below = (f'<text x="{_n(x)}" y="{base + 14}" text-anchor="end"'
                     f' transform="rotate(-45 {_n(x)} {base + 14})">')
        else:
            below = f'<text x="{_n(x)}" y="{base + 16}" text-anchor="middle">'
        out += [
            '<g class="chart-column">',
            f"<title>{escape(str(label))}</title>",
            f'<rect x="{_n(x - column_w / 2)}" y="{_n(base - h)}" width="{_n(column_w)}" height="{_n(h)}"'
            f' fill="{BAR_FILL}"/>',
            f'<text x="{_n(x)}" y="{_n(base - h - 6)}" text-anchor="middle">'
            f"{escape(_value_text(value, unit, separator))}</text>",
            f"{below}{escape(short)}</text>",
            "</g>",
        ]
    out.append("</svg>")
    return Markup("\n".join(out))


def _checked(rows: Sequence[tuple[str, float]]) -> list[float]:
    values = [value for _, value in rows]
    for value in values:
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"a chart shows finite values of 0 or more, not {value!r}")
    return values


def _open(chart_id: str, title: str, desc: str, width: int, height: int, font: int, kind: str) -> list[str]:
    """The `<svg>` start tag, its `<title>` and its `<desc>`."""
    if not _ID.fullmatch(chart_id):
        raise ValueError(f"a chart id is a letter then letters, digits, - or _: {chart_id!r}")
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {width} {height}" width="100%"'
        f' direction="ltr" font-size="{font}" fill="{TEXT_FILL}">',
        f'<title id="{chart_id}-title">{escape(str(title))}</title>',
        f'<desc id="{chart_id}-desc">{escape(str(desc))}</desc>',
    ]


def _empty_chart(chart_id: str, title: str, empty: str, width: int) -> Markup:
    out = _open(chart_id, title, empty, width, 40, 13, "empty")
    out += [f'<text x="8" y="25">{escape(str(empty))}</text>', "</svg>"]
    return Markup("\n".join(out))


def _summary(template: str, rows: Sequence[tuple[str, float]], values: list[float], unit: str,
             separator: str) -> str:
    """The desc: the first row with the largest value."""
    index = values.index(max(values))
    return str(template).format(label=str(rows[index][0]), value=_value_text(values[index], unit, separator))


def _value_text(value: float, unit: str, separator: str) -> str:
    number = format_number(value, separator)
    return f"{number}{NBSP}{unit}" if unit else number


def _cut(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _text_width(text: str, font: int) -> float:
    """A rough width for laying out: 0.55 em a character (a digit is about 0.57 em in Noto Sans)."""
    return len(text) * font * 0.55


def _n(number: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
