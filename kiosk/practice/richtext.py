"""The small piece of HTML the practice editor sends: kept safe, and read for the lessons' checks.

Only a few formatting elements survive; everything else becomes plain text, so what a resident
typed is shown back exactly as text and nothing they type can ever run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

ALLOWED = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ul": "ul", "ol": "ol",
           "li": "li", "p": "p", "div": "div", "br": "br"}
MAX_LENGTH = 5000


@dataclass
class Reading:
    """What the checks need: the safe HTML, the bold text, and the items of lists."""

    html: str = ""
    bold: list[str] = field(default_factory=list)
    list_items: list[str] = field(default_factory=list)
    text: str = ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.reading = Reading()
        self._bold: list[str] = []
        self._item: list[str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = ALLOWED.get(tag)
        if name is None:
            return
        if name == "br":
            self.out.append("<br>")
            self._text.append("\n")
            return
        if name == "li":
            if "li" in self.open:  # an item left open ends where the next one starts
                self.handle_endtag("li")
            self._item = []
        self.out.append(f"<{name}>")
        self.open.append(name)

    def handle_endtag(self, tag: str) -> None:
        name = ALLOWED.get(tag)
        if name is None or name == "br" or name not in self.open:
            return
        while self.open:
            closing = self.open.pop()
            self.out.append(f"</{closing}>")
            if closing == "b":
                self.reading.bold.append("".join(self._bold).strip())
                self._bold = []
            if closing == "li" and self._item is not None:
                self.reading.list_items.append("".join(self._item).strip())
                self._item = None
            if closing in ("p", "div", "li"):
                self._text.append("\n")
            if closing == name:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data))
        self._text.append(data)
        if "b" in self.open:
            self._bold.append(data)
        if self._item is not None:
            self._item.append(data)


def read(html: str) -> Reading:
    """Read what the editor sent: keep only safe formatting, note bold text and list items."""
    reader = _Reader()
    reader.feed(html[:MAX_LENGTH])
    reader.close()
    while reader.open:
        reader.handle_endtag(reader.open[-1])
    reading = reader.reading
    reading.html = "".join(reader.out)
    reading.text = "".join(reader._text)
    reading.bold = [text for text in reading.bold if text]
    return reading
