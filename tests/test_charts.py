"""kiosk.mediation.charts: server-side SVG charts, accessible, escaped and allowed by `style-src 'self'`."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from kiosk.mediation.charts import (
    BAR_FILL,
    TEXT_FILL,
    bar_chart,
    column_chart,
    format_number,
)

SVG = "{http://www.w3.org/2000/svg}"
NNBSP = "\u202f"
ROWS = [("Bureautique", 12), ("Démarches en ligne", 6), ("Courriel", 3), ("Smartphone", 0)]
MONTHS = [("2026-01", 40), ("2026-02", 10), ("2026-03", 0), ("2026-04", 20)]


def parse(svg: Markup) -> ET.Element:
    return ET.fromstring(str(svg))


def rects(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{SVG}rect")


def charts() -> list[Markup]:
    """One of each kind, filled and empty, with awkward labels."""
    awkward = [("<script>alert(1)</script> & co", 5), ("x" * 50, 7)]
    return [
        bar_chart("bars", "Ateliers", ROWS),
        bar_chart("bars-awkward", "Ateliers", awkward, unit="h"),
        bar_chart("bars-empty", "Ateliers", []),
        column_chart("columns", "Activités par mois", MONTHS),
        column_chart("columns-awkward", "Activités par mois", awkward),
        column_chart("columns-empty", "Activités par mois", []),
    ]


@pytest.mark.parametrize("svg", charts())
def test_a_chart_is_markup_that_parses_as_xml(svg: Markup) -> None:
    assert isinstance(svg, Markup)
    assert parse(svg).tag == f"{SVG}svg"


@pytest.mark.parametrize("svg", charts())
def test_no_style_attribute_or_element_for_the_csp(svg: Markup) -> None:
    for element in parse(svg).iter():
        assert element.tag != f"{SVG}style"
        assert "style" not in element.attrib
    assert "style" not in str(svg)


@pytest.mark.parametrize("svg", charts())
def test_an_image_named_by_its_title_and_summarised_by_its_desc(svg: Markup) -> None:
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 ")
    title, desc = list(root)[:2]  # title first, as assistive technology expects
    assert title.tag == f"{SVG}title" and desc.tag == f"{SVG}desc"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text and desc.text
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == 2


def test_ids_come_from_the_chart_id() -> None:
    root = parse(bar_chart("stats-ateliers", "Ateliers", ROWS))
    assert root.get("aria-labelledby") == "stats-ateliers-title stats-ateliers-desc"
    assert root.find(f"{SVG}title").get("id") == "stats-ateliers-title"
    assert root.find(f"{SVG}desc").get("id") == "stats-ateliers-desc"


@pytest.mark.parametrize("chart_id", ["", "1abc", "a b", 'a"b', "a<b"])
def test_an_id_that_cannot_be_referenced_is_refused(chart_id: str) -> None:
    with pytest.raises(ValueError):
        bar_chart(chart_id, "Ateliers", ROWS)
    with pytest.raises(ValueError):
        column_chart(chart_id, "Ateliers", [])


def test_the_desc_names_the_largest() -> None:
    assert parse(bar_chart("a", "Ateliers", ROWS)).find(f"{SVG}desc").text == "Largest: Bureautique, 12."
    columns = parse(column_chart("a", "Heures", [("2026-01", 1500), ("2026-02", 2500.5)], unit="h"))
    assert columns.find(f"{SVG}desc").text == f"Largest: 2026-02, 2{NNBSP}500,5\u00a0h."


def test_the_desc_takes_a_translated_summary() -> None:
    svg = bar_chart("a", "Ateliers", ROWS, summary="Le plus fréquent : {label}, {value}.")
    assert parse(svg).find(f"{SVG}desc").text == "Le plus fréquent : Bureautique, 12."


def test_bar_lengths_are_proportional_to_the_values() -> None:
    widths = [float(rect.get("width")) for rect in rects(parse(bar_chart("a", "Ateliers", ROWS)))]
    assert len(widths) == len(ROWS)
    assert widths[0] > 100
    for width, (_, value) in zip(widths, ROWS, strict=True):
        assert width == pytest.approx(widths[0] * value / 12, abs=0.01)


def test_bars_keep_the_given_order_and_the_height_grows_with_the_rows() -> None:
    root = parse(bar_chart("a", "Ateliers", ROWS))
    ys = [float(rect.get("y")) for rect in rects(root)]
    assert ys == sorted(ys)
    labels = [g.find(f"{SVG}title").text for g in root.findall(f"{SVG}g")]
    assert labels == [label for label, _ in ROWS]
    short = parse(bar_chart("a", "Ateliers", ROWS[:2]))
    assert height(root) > height(short)


def height(root: ET.Element) -> float:
    return float(root.get("viewBox").split()[3])


def test_values_are_printed_at_the_end_of_the_bars() -> None:
    root = parse(bar_chart("a", "Ateliers", [("Bureautique", 1234), ("Courriel", 2.5)], unit="h"))
    for g, value in zip(root.findall(f"{SVG}g"), [f"1{NNBSP}234\u00a0h", "2,5\u00a0h"], strict=True):
        rect, texts = g.find(f"{SVG}rect"), g.findall(f"{SVG}text")
        assert texts[-1].text == value
        assert float(texts[-1].get("x")) > float(rect.get("x")) + float(rect.get("width"))


def test_a_zero_maximum_draws_empty_bars_and_columns() -> None:
    zeros = [("Bureautique", 0), ("Courriel", 0.0)]
    bars = parse(bar_chart("a", "Ateliers", zeros))
    assert [rect.get("width") for rect in rects(bars)] == ["0", "0"]
    assert [g.findall(f"{SVG}text")[1].text for g in bars.findall(f"{SVG}g")] == ["0", "0"]
    columns = parse(column_chart("b", "Mois", zeros))
    assert [rect.get("height") for rect in rects(columns)] == ["0", "0"]
    assert [g.findall(f"{SVG}text")[0].text for g in columns.findall(f"{SVG}g")] == ["0", "0"]


def test_empty_input_says_so_in_the_desc_and_in_the_picture() -> None:
    for svg in (bar_chart("a", "Ateliers", [], empty="Aucune donnée"),
                column_chart("b", "Mois", [], empty="Aucune donnée")):
        root = parse(svg)
        assert root.find(f"{SVG}desc").text == "Aucune donnée"
        assert [text.text for text in root.iter(f"{SVG}text")] == ["Aucune donnée"]
        assert rects(root) == []
    assert parse(bar_chart("a", "Ateliers", [])).find(f"{SVG}desc").text == "No data"


def test_labels_and_texts_are_escaped() -> None:
    nasty = "<script>alert(1)</script> & co"
    for chart in (bar_chart, column_chart):
        svg = str(chart("a", nasty, [(nasty, 3)], unit="<b>", empty=nasty))
        assert "<script>" not in svg and "<b>" not in svg
        assert "&lt;script&gt;" in svg and "&amp; co" in svg
        root = ET.fromstring(svg)
        assert root.find(f"{SVG}title").text == nasty
        assert root.find(f"{SVG}desc").text == f"Largest: {nasty}, 3\u00a0<b>."
        assert root.find(f"{SVG}g/{SVG}title").text == nasty


def test_a_quote_in_a_label_does_not_break_out() -> None:
    root = parse(bar_chart("a", 'Ateliers "x"', [('Atelier "Word" \'2\'', 1)]))
    assert root.find(f"{SVG}g/{SVG}title").text == 'Atelier "Word" \'2\''


def test_a_long_label_is_cut_and_kept_whole_in_a_title() -> None:
    long = "Accompagnement aux démarches administratives en ligne"
    root = parse(bar_chart("a", "Ateliers", [(long, 3), ("Courriel", 2)]))
    first, second = root.findall(f"{SVG}g")
    shown = first.find(f"{SVG}text").text
    assert shown.endswith("…") and len(shown) <= 32
    assert long.startswith(shown[:-1])
    assert first.find(f"{SVG}title").text == long
    assert second.find(f"{SVG}text").text == "Courriel"


def test_a_label_of_exactly_32_characters_is_not_cut() -> None:
    label = "x" * 32
    root = parse(bar_chart("a", "Ateliers", [(label, 1)]))
    assert root.find(f"{SVG}g/{SVG}text").text == label


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (12, "12"),
        (999, "999"),
        (1234, f"1{NNBSP}234"),
        (1234567, f"1{NNBSP}234{NNBSP}567"),
        (1234.0, f"1{NNBSP}234"),
        (1234.5, f"1{NNBSP}234,5"),
        (1234.56, f"1{NNBSP}234,6"),
        (0.5, "0,5"),
        (0.04, "0,0"),
        (-0.04, "0,0"),
        (-1234.5, f"-1{NNBSP}234,5"),
    ],
)
def test_format_number(value: float, expected: str) -> None:
    assert format_number(value) == expected


def test_format_number_takes_the_separator() -> None:
    assert format_number(1234567.5, ".") == "1.234.567,5"
    assert format_number(1234567, "") == "1234567"
    assert format_number(1234, " ") == "1 234"


def test_charts_take_the_separator() -> None:
    root = parse(bar_chart("a", "Ateliers", [("Bureautique", 1234)], separator=" "))
    assert root.find(f"{SVG}desc").text == "Largest: Bureautique, 1 234."


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1])
def test_values_that_cannot_be_drawn_are_refused(value: float) -> None:
    with pytest.raises(ValueError):
        bar_chart("a", "Ateliers", [("Bureautique", value)])
    with pytest.raises(ValueError):
        column_chart("a", "Ateliers", [("Bureautique", value)])
    if value != -1:
        with pytest.raises(ValueError):
            format_number(value)


def test_a_column_chart_has_one_rect_per_column_proportional_to_its_value() -> None:
    root = parse(column_chart("a", "Activités par mois", MONTHS))
    columns = rects(root)
    assert len(columns) == len(MONTHS)
    heights = [float(rect.get("height")) for rect in columns]
    for h, (_, value) in zip(heights, MONTHS, strict=True):
        assert h == pytest.approx(heights[0] * value / 40, abs=0.01)
    xs = [float(rect.get("x")) for rect in columns]
    assert xs == sorted(xs)
    bottoms = {round(float(rect.get("y")) + float(rect.get("height")), 2) for rect in columns}
    assert len(bottoms) == 1  # all columns stand on the same baseline


def test_a_column_has_its_value_above_and_its_label_below() -> None:
    root = parse(column_chart("a", "Activités par mois", MONTHS))
    for g, (label, value) in zip(root.findall(f"{SVG}g"), MONTHS, strict=True):
        rect = g.find(f"{SVG}rect")
        above, below = g.findall(f"{SVG}text")
        top, bottom = float(rect.get("y")), float(rect.get("y")) + float(rect.get("height"))
        assert above.text == format_number(value) and float(above.get("y")) < top
        assert below.text == label and float(below.get("y")) > bottom
        assert g.find(f"{SVG}title").text == label


def test_a_year_of_months_fits_side_by_side_and_many_columns_slant_inside_the_picture() -> None:
    year = [(f"2026-{month:02}", month) for month in range(1, 13)]
    root = parse(column_chart("a", "Activités par mois", year))
    assert all(text.get("transform") is None for text in root.iter(f"{SVG}text"))
    assert height(root) == 240
    many = [(f"Semaine {week}", week) for week in range(1, 41)]
    root = parse(column_chart("a", "Activités par semaine", many))
    below = [g.findall(f"{SVG}text")[1] for g in root.findall(f"{SVG}g")]
    assert all(text.get("transform", "").startswith("rotate(-45 ") for text in below)
    assert height(root) >= 240
    first = float(rects(root)[0].get("x"))
    assert first > 8  # room on the left for the first slanted label


def test_output_is_deterministic() -> None:
    assert bar_chart("a", "Ateliers", ROWS) == bar_chart("a", "Ateliers", ROWS)
    assert column_chart("a", "Mois", MONTHS) == column_chart("a", "Mois", MONTHS)


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_on_white(colour: str) -> float:
    return 1.05 / (luminance(colour) + 0.05)


def test_colours_contrast_with_white() -> None:
    assert contrast_on_white(TEXT_FILL) >= 4.5
    assert contrast_on_white(BAR_FILL) >= 3
    svg = str(bar_chart("a", "Ateliers", ROWS))
    assert f'fill="{TEXT_FILL}"' in svg and f'fill="{BAR_FILL}"' in svg
