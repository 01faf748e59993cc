"""ODT of letters and CVs (odfpy): the open format French administrations recommend."""
from __future__ import annotations

import io
from typing import Any

from kiosk.documents.cv import Block, CurriculumVitae
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


CV_ACCENT = "#163e70"


def cv_odt(cv: CurriculumVitae) -> bytes:
    """Write a CV as an OpenDocument text, in its layout, and return its bytes."""
    from odf.draw import Frame, Image
    from odf.opendocument import OpenDocumentText
    from odf.style import (
        GraphicProperties,
        ParagraphProperties,
        Style,
        TableCellProperties,
        TableColumnProperties,
        TableProperties,
        TextProperties,
    )
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentText()
    styles = document.automaticstyles

    def style(name: str, size: str = "10.5pt", bold: bool = False, color: str = "#000000",
              space: str = "0.1cm", rule: bool = False) -> Style:
        paragraph = Style(name=name, family="paragraph")
        properties = {"marginbottom": space}
        if rule:
            properties.update(borderbottom=f"0.04cm solid {CV_ACCENT}", paddingbottom="0.05cm",
                              margintop="0.3cm")
        paragraph.addElement(ParagraphProperties(**properties))
        paragraph.addElement(TextProperties(fontsize=size, fontfamily="Noto Sans", color=color,
                                            fontweight="bold" if bold else "normal"))
        styles.addElement(paragraph)
        return paragraph

    name_style = style("CvName", "20pt", bold=True)
    target_style = style("CvTarget", "13pt", bold=True, color=CV_ACCENT, space="0.15cm")
    contact_style = style("CvContact", "10.5pt", space="0.02cm")
    heading_style = style("CvHeading", "12pt", bold=True, color=CV_ACCENT, space="0.15cm",
                          rule=cv.layout == "classic")
    title_style = style("CvEntryTitle", "11pt", bold=True, space="0.02cm")
    meta_style = style("CvEntryMeta", "10pt", color="#464646", space="0.05cm")
    body_style = style("CvBody")

    def paragraph(text: str, paragraph_style: Style, into: Any) -> None:
        element = P(stylename=paragraph_style)
        element.addText(text)
        into.addElement(element)

    def content(block: Block, into: Any) -> None:
        if block.text:
            for line in block.text.splitlines():
                paragraph(line, body_style, into)
        for item in block.items:
            paragraph(f"•  {item}", body_style, into)
        for entry in block.entries:
            paragraph(entry.title, title_style, into)
            meta = " · ".join(part for part in (entry.period, entry.where) if part)
            if meta:
                paragraph(meta, meta_style, into)
            for line in entry.lines:
                paragraph(f"•  {line}", body_style, into)

    if cv.photo:
        frame_style = Style(name="CvPhoto", family="graphic")
        frame_style.addElement(GraphicProperties(wrap="left", horizontalpos="right",
                                                 horizontalrel="paragraph", verticalpos="top"))
        styles.addElement(frame_style)
        holder = P(stylename=contact_style)
        frame = Frame(stylename=frame_style, width="3cm", height="4cm", anchortype="paragraph",
                      name="Photo")
        frame.addElement(Image(href=document.addPicture("Pictures/photo.jpg", "image/jpeg", cv.photo)))
        holder.addElement(frame)
        document.text.addElement(holder)
    paragraph(cv.name, name_style, document.text)
    if cv.target:
        paragraph(cv.target, target_style, document.text)
    for line in cv.contact:
        paragraph(line, contact_style, document.text)

    if cv.layout == "columns":
        table_style = Style(name="CvTable", family="table")
        table_style.addElement(TableProperties(width="17cm", align="left", margintop="0.3cm"))
        styles.addElement(table_style)
        widths = {}
        for column, size in (("CvLabel", "4.4cm"), ("CvContent", "12.6cm")):
            widths[column] = Style(name=column, family="table-column")
            widths[column].addElement(TableColumnProperties(columnwidth=size))
            styles.addElement(widths[column])
        cell_style = Style(name="CvCell", family="table-cell")
        cell_style.addElement(TableCellProperties(padding="0.1cm", border="none"))
        styles.addElement(cell_style)
        for n, block in enumerate(cv.blocks):
            table = Table(name=f"Section{n + 1}", stylename=table_style)
            table.addElement(TableColumn(stylename=widths["CvLabel"]))
            table.addElement(TableColumn(stylename=widths["CvContent"]))
            row = TableRow()
            label, cell = TableCell(stylename=cell_style), TableCell(stylename=cell_style)
            paragraph(block.heading.upper(), heading_style, label)
            content(block, cell)
            row.addElement(label)
            row.addElement(cell)
            table.addElement(row)
            document.text.addElement(table)
    else:
        for block in cv.blocks:
            paragraph(block.heading.upper(), heading_style, document.text)
            content(block, document.text)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()
