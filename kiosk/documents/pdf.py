"""PDFs of letters and CVs (fpdf2), with Noto fonts from PyPI so Latin and Arabic script render.

A letter has the French business-letter layout: sender top left, recipient on the right, place
and date, the registered-mail mention, subject, references, opening, body, closing, signature.
A CV has a header (name, job wanted, contact, photo) and its blocks in one of two layouts.
"""
from __future__ import annotations

import io
import os
from importlib.metadata import version
from pathlib import Path
from typing import Any

from kiosk.documents.cv import Block, CurriculumVitae
from kiosk.documents.letter import REGISTERED_MENTION, Letter


def static_fonts(cache: Path) -> tuple[Path, Path, Path]:
    """Return regular, bold and Arabic static fonts, cut once from the packages' variable fonts.

    Cutting a variable font takes seconds (fontTools), so it is done on the first document and
    kept in `cache`; later documents load the static files in milliseconds.
    """
    import fontpkg_noto_sans
    import fontpkg_noto_sans_arabic

    latin = Path(fontpkg_noto_sans.__file__).parent / "files" / "NotoSans[wdth,wght].ttf"
    arabic = Path(fontpkg_noto_sans_arabic.__file__).parent / "files" / "NotoSansArabic[wdth,wght].ttf"
    wanted = ((latin, 400, version("fontpkg-noto-sans")), (latin, 700, version("fontpkg-noto-sans")),
              (arabic, 400, version("fontpkg-noto-sans-arabic")))
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for source, weight, release in wanted:
        target = cache / f"{source.name.split('[')[0]}-{weight}-{release}.ttf"
        if not target.exists():
            from fontTools.ttLib import TTFont
            from fontTools.varLib.instancer import instantiateVariableFont

            font = TTFont(str(source))
            instantiateVariableFont(font, {"wght": weight, "wdth": 100}, inplace=True)
            partial = target.with_suffix(f".{os.getpid()}.part")
            font.save(str(partial))
            os.replace(partial, target)  # atomic: a concurrent first use sees a whole file
        paths.append(target)
    return paths[0], paths[1], paths[2]


def _new_pdf(font_cache: Path, title: str) -> Any:
    """Return an A4 document with the Noto fonts set up (Arabic shaped by HarfBuzz)."""
    from fpdf import FPDF  # imported here: start-up time and idle memory are budgets

    regular, bold, arabic = static_fonts(font_cache)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(title)
    pdf.set_lang("fr")
    pdf.add_font("noto", "", str(regular))
    pdf.add_font("noto", "B", str(bold))
    pdf.add_font("noto-arabic", "", str(arabic))
    pdf.set_fallback_fonts(["noto-arabic"])
    pdf.set_text_shaping(True)  # Arabic joined and ordered right to left (uharfbuzz)
    return pdf


def letter_pdf(letter: Letter, font_cache: Path) -> bytes:
    """Lay out a letter on A4 and return the PDF bytes."""
    pdf = _new_pdf(font_cache, f"Objet : {letter.subject}" if letter.subject else "Courrier")
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    pdf.set_font("noto", size=11)
    line = 5.5

    pdf.multi_cell(90, line, "\n".join(letter.sender), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_x(110)
    pdf.multi_cell(80, line, "\n".join(letter.recipient), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    if letter.place_date:
        pdf.set_x(110)
        pdf.multi_cell(80, line, letter.place_date, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
    if letter.registered:
        pdf.set_font("noto", "B", 11)
        pdf.multi_cell(0, line, REGISTERED_MENTION, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    if letter.subject:
        pdf.set_font("noto", "B", 11)
        pdf.multi_cell(0, line, f"Objet : {letter.subject}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", size=11)
    for reference in letter.references:
        pdf.multi_cell(0, line, f"Référence : {reference}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for paragraph in (letter.opening, *letter.body, letter.closing):
        pdf.multi_cell(0, line, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.ln(8)
    pdf.set_x(110)
    pdf.multi_cell(80, line, letter.signature, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


CV_MARGIN = 18
CV_ACCENT = (22, 62, 112)  # dark blue: 9:1 on white
CV_GREY = (70, 70, 70)
CV_LABEL_WIDTH = 48  # the heading column of the `columns` layout, in mm


def cv_pdf(cv: CurriculumVitae, font_cache: Path) -> bytes:
    """Lay out a CV on A4 and return the PDF bytes."""
    pdf = _new_pdf(font_cache, f"CV {cv.name}".strip())
    pdf.set_lang(cv.language)
    pdf.set_margins(CV_MARGIN, CV_MARGIN, CV_MARGIN)
    pdf.add_page()
    width = pdf.w - 2 * CV_MARGIN
    text_width = width - (36 if cv.photo else 0)
    if cv.photo:
        pdf.image(io.BytesIO(cv.photo), x=pdf.w - CV_MARGIN - 30, y=CV_MARGIN, w=30, h=40)
    pdf.set_font("noto", "B", 20)
    pdf.multi_cell(text_width, 9, cv.name or " ", new_x="LMARGIN", new_y="NEXT", align="L")
    if cv.target:
        pdf.set_text_color(*CV_ACCENT)
        pdf.set_font("noto", "B", 13)
        pdf.multi_cell(text_width, 6.5, cv.target, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(0)
    pdf.set_font("noto", "", 10.5)
    pdf.ln(1)
    for line in cv.contact:
        pdf.multi_cell(text_width, 5, line, new_x="LMARGIN", new_y="NEXT", align="L")
    if cv.photo:
        pdf.set_y(max(pdf.get_y(), CV_MARGIN + 42))
    pdf.ln(3)
    pdf.set_draw_color(*CV_ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(CV_MARGIN, pdf.get_y(), pdf.w - CV_MARGIN, pdf.get_y())
    pdf.ln(4)
    for block in cv.blocks:
        if cv.layout == "columns":
            _cv_block_in_columns(pdf, block)
        else:
            _cv_block_classic(pdf, block, width)
    return bytes(pdf.output())


def _cv_heading(pdf: Any, heading: str, width: float, size: float = 12) -> None:
    pdf.set_text_color(*CV_ACCENT)
    pdf.set_font("noto", "B", size)
    pdf.multi_cell(width, size / 2, heading.upper(), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0)


def _cv_block_classic(pdf: Any, block: Block, width: float) -> None:
    if pdf.will_page_break(22):
        pdf.add_page()
    _cv_heading(pdf, block.heading, width)
    pdf.set_line_width(0.3)
    pdf.line(CV_MARGIN, pdf.get_y(), CV_MARGIN + width, pdf.get_y())
    pdf.ln(2)
    _cv_content(pdf, block, width)
    pdf.ln(4)


def _cv_block_in_columns(pdf: Any, block: Block) -> None:
    if pdf.will_page_break(16):
        pdf.add_page()
    top, page = pdf.get_y(), pdf.page
    _cv_heading(pdf, block.heading, CV_LABEL_WIDTH - 4, size=10)
    heading_end = pdf.get_y()
    content_x = CV_MARGIN + CV_LABEL_WIDTH
    pdf.set_y(top)
    pdf.set_left_margin(content_x)
    pdf.set_x(content_x)
    _cv_content(pdf, block, pdf.w - CV_MARGIN - content_x)
    pdf.set_left_margin(CV_MARGIN)
    pdf.set_x(CV_MARGIN)
    if pdf.page == page:
        pdf.set_y(max(pdf.get_y(), heading_end))
    pdf.ln(5)


def _cv_content(pdf: Any, block: Block, width: float) -> None:
    pdf.set_font("noto", "", 10.5)
    if block.text:
        pdf.multi_cell(width, 5.2, block.text, new_x="LMARGIN", new_y="NEXT", align="L")
    for item in block.items:
        pdf.multi_cell(width, 5.2, f"•  {item}", new_x="LMARGIN", new_y="NEXT", align="L")
    for n, entry in enumerate(block.entries):
        if n:
            pdf.ln(2.5)
        pdf.set_font("noto", "B", 11)
        pdf.multi_cell(width, 5.5, entry.title, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font("noto", "", 10)
        pdf.set_text_color(*CV_GREY)
        meta = " · ".join(part for part in (entry.period, entry.where) if part)
        if meta:
            pdf.multi_cell(width, 5, meta, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(0)
        pdf.set_font("noto", "", 10.5)
        for line in entry.lines:
            pdf.multi_cell(width, 5.2, f"•  {line}", new_x="LMARGIN", new_y="NEXT", align="L")
