"""PDF of a letter (fpdf2), with Noto fonts from PyPI so French and Arabic script both render.

French business-letter layout: sender top left, recipient on the right, place and date, the
registered-mail mention, subject, references, opening, body, closing, signature.
"""
from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path

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


def letter_pdf(letter: Letter, font_cache: Path) -> bytes:
    """Lay out a letter on A4 and return the PDF bytes."""
    from fpdf import FPDF  # imported here: start-up time and idle memory are budgets

    regular, bold, arabic = static_fonts(font_cache)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(25, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(f"Objet : {letter.subject}" if letter.subject else "Courrier")
    pdf.set_lang("fr")
    pdf.add_font("noto", "", str(regular))
    pdf.add_font("noto", "B", str(bold))
    pdf.add_font("noto-arabic", "", str(arabic))
    pdf.set_fallback_fonts(["noto-arabic"])
    pdf.set_text_shaping(True)  # Arabic joined and ordered right to left (uharfbuzz)
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
