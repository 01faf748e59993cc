"""The word-processing course: short lessons, each with a practice area and a check on the server.

The practice text is French (the language of the letters residents write); the explanations
are translated into the resident's language.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from babel.support import LazyProxy

from kiosk.i18n import lazy_gettext as _l
from kiosk.practice.richtext import read


@dataclass(frozen=True)
class Outcome:
    """The result of a check: passed or not, and a hint when not."""

    passed: bool
    hint: LazyProxy | None = None


@dataclass(frozen=True)
class Lesson:
    """One lesson: what it teaches, what to try, the practice area, and how the try is checked."""

    id: str
    title: LazyProxy
    explain: tuple[LazyProxy, ...]
    task: LazyProxy
    area: str  # "text", "rich" or "choice"
    check: Callable[[Mapping[str, str]], Outcome]
    start: str = ""
    target: str = ""
    choices: tuple[tuple[str, LazyProxy], ...] = ()


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def _same_text(target: str, hint: LazyProxy) -> Callable[[Mapping[str, str]], Outcome]:
    def check(form: Mapping[str, str]) -> Outcome:
        return Outcome(True) if _clean(form.get("content", "")) == target else Outcome(False, hint)

    return check


def _repeated(sentence: str, times: int) -> Callable[[Mapping[str, str]], Outcome]:
    def check(form: Mapping[str, str]) -> Outcome:
        found = _clean(form.get("content", "")).count(sentence)
        if found == times:
            return Outcome(True)
        return Outcome(False, _l("The sentence is there %(found)d times. It must be there %(times)d times.",
                                 found=found, times=times))

    return check


def _bold_word(word: str) -> Callable[[Mapping[str, str]], Outcome]:
    def check(form: Mapping[str, str]) -> Outcome:
        reading = read(form.get("content", ""))
        if [_clean(text) for text in reading.bold] == [word]:
            return Outcome(True)
        if not reading.bold:
            return Outcome(False, _l("No word is in bold yet. Select the word, then press Bold."))
        return Outcome(False, _l("Only the word Bonjour must be in bold."))

    return check


def _list_of(items: tuple[str, ...]) -> Callable[[Mapping[str, str]], Outcome]:
    def check(form: Mapping[str, str]) -> Outcome:
        found = [_clean(item).lower() for item in read(form.get("content", "")).list_items]
        if found == list(items):
            return Outcome(True)
        return Outcome(False, _l("The list must have 3 lines: pain, lait, oeufs. Select the 3 lines, "
                                 "then press List."))

    return check


def _answer(right: str, hint: LazyProxy) -> Callable[[Mapping[str, str]], Outcome]:
    def check(form: Mapping[str, str]) -> Outcome:
        return Outcome(True) if form.get("answer") == right else Outcome(False, hint)

    return check


TYPE_TARGET = "Bonjour, je m'appelle Marie."
CORRECT_TARGET = "Je suis allée à la mairie hier."
COPY_SENTENCE = "Merci pour votre aide."

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="type", title=_l("Type a sentence"),
        explain=(_l("Touch the white box: a line blinks. It shows where the letters go."),
                 _l("Press the keys to type. The long key at the bottom makes a space."),
                 _l("For a capital letter, hold the Shift key (the arrow up), then press the letter."),
                 _l("On a French keyboard, the keys é, è, à and ç are on the top row.")),
        task=_l("Type this sentence exactly, then press Check: Bonjour, je m'appelle Marie."),
        area="text", target=TYPE_TARGET,
        check=_same_text(TYPE_TARGET, _l("The sentence is not the same yet. Look at each letter, "
                                         "the comma and the full stop.")),
    ),
    Lesson(
        id="correct", title=_l("Correct mistakes"),
        explain=(_l("Touch the text just after a mistake: the blinking line goes there."),
                 _l("The Backspace key (the arrow to the left, above Enter) erases the letter before."),
                 _l("Then type the right letter.")),
        task=_l("Correct the 3 mistakes so that the text reads: Je suis allée à la mairie hier."),
        area="text", start="Je sui allée a la mairi hier.", target=CORRECT_TARGET,
        check=_same_text(CORRECT_TARGET, _l("There are still mistakes. Compare with the sentence above, "
                                            "word by word.")),
    ),
    Lesson(
        id="copy-paste", title=_l("Select, copy and paste"),
        explain=(_l("To select words, press before the first one and slide to the last one."),
                 _l("On a touch screen, press and hold a word, then move the small handles."),
                 _l("Copy: press Ctrl and C together. Paste: click where you want, press Ctrl and V."),
                 _l("A copy stays in memory: you can paste it many times.")),
        task=_l("Copy the sentence Merci pour votre aide. and paste it twice, so it is there 3 times."),
        area="text", start=COPY_SENTENCE, check=_repeated(COPY_SENTENCE, 3),
    ),
    Lesson(
        id="bold", title=_l("Put a word in bold"),
        explain=(_l("Bold makes a word thicker, to make it stand out."),
                 _l("Select the word, then press the Bold button. Or press Ctrl and B together."),
                 _l("Press Bold again to take it away.")),
        task=_l("Put only the word Bonjour in bold, then press Check."),
        area="rich", start="Bonjour Madame Martin,", check=_bold_word("Bonjour"),
    ),
    Lesson(
        id="list", title=_l("Make a list"),
        explain=(_l("A list puts a dot in front of each line. It makes things easy to read."),
                 _l("Select the lines, then press the List button."),
                 _l("Press Enter at the end of a line to add a new line to the list.")),
        task=_l("Make a list with the 3 lines pain, lait and oeufs, then press Check."),
        area="rich", start="<div>pain</div><div>lait</div><div>oeufs</div>",
        check=_list_of(("pain", "lait", "oeufs")),
    ),
    Lesson(
        id="save", title=_l("Save a file and find it again"),
        explain=(_l("When you download a file, the computer saves it in a folder."),
                 _l("This folder is called Téléchargements (Downloads)."),
                 _l("To take the file home, plug in a USB key and copy the file onto it."),
                 _l("To find the file again, open the Téléchargements folder.")),
        task=_l("Download the practice file. Then answer: in which folder is it now?"),
        area="choice",
        choices=(("bureau", _l("On the Bureau (Desktop)")),
                 ("telechargements", _l("In the Téléchargements folder")),
                 ("corbeille", _l("In the Corbeille (Trash)"))),
        check=_answer("telechargements", _l("Look again: a downloaded file goes to one folder only.")),
    ),
    Lesson(
        id="print", title=_l("Print"),
        explain=(_l("Press Ctrl and P together: the print window opens."),
                 _l("Check the printer name and the number of copies."),
                 _l("Then press Imprimer. Ask the médiateur where the printer is.")),
        task=_l("Which keys open the print window?"),
        area="choice",
        choices=(("ctrl-c", _l("Ctrl and C")), ("ctrl-p", _l("Ctrl and P")), ("ctrl-s", _l("Ctrl and S"))),
        check=_answer("ctrl-p", _l("Not this one. P is for print.")),
    ),
)
LESSON_BY_ID = {lesson.id: lesson for lesson in LESSONS}
