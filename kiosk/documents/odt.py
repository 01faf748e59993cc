"""ODT of a letter (odfpy): the open format French administrations recommend."""
from __future__ import annotations

import io

from kiosk.documents.letter import REGISTERED_MENTION, Letter


def letter_odt(letter: Letter) -> bytes:
    """Write a letter as an OpenDocument text and return its bytes."""
    from odf.opendocument import OpenDocumentText  # imported here, like the PDF library
    from odf.style import ParagraphProperties, Style, TextProperties
    from odf.text import LineBreak, P

    document = OpenDocumentText()

    def style(name: str, align: str = "start", bold: bool = False, space: str = "0.2cm") -> Style:
        paragraph = Style(name=name, family="paragraph")
        paragraph.addElement(ParagraphProperties(textalign=align, marginbottom=space))
        paragraph.addElement(TextProperties(fontsize="11pt", fontfamily="Noto Sans",
                                            fontweight="bold" if bold else "normal"))
        document.automaticstyles.addElement(paragraph)
        return paragraph

    left, right = style("Left"), style("Right", align="end", space="0.5cm")
    bold, body = style("Bold", bold=True), style("Body", align="justify", space="0.3cm")

    def block(lines: tuple[str, ...] | list[str], paragraph_style: Style) -> None:
        paragraph = P(stylename=paragraph_style)
        for n, line in enumerate(lines):
            if n:
                paragraph.addElement(LineBreak())
            paragraph.addText(line)
        document.text.addElement(paragraph)

    block(letter.sender, left)
    block(letter.recipient, right)
    if letter.place_date:
        block([letter.place_date], right)
    if letter.registered:
        block([REGISTERED_MENTION], bold)
    if letter.subject:
        block([f"Objet : {letter.subject}"], bold)
    for reference in letter.references:
        block([f"Référence : {reference}"], left)
    for paragraph in (letter.opening, *letter.body, letter.closing):
        block([paragraph], body)
    block([letter.signature], right)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()
