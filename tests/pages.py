"""The registry of pages every browser check visits (accessibility, no-JS, weight budgets).

Later issues add their pages here; `{lang}` is replaced by each tested language.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from kiosk.cv.sections import SECTIONS
from kiosk.flows import CONTENT_DIR
from kiosk.flows.engine import load_folder


@dataclass(frozen=True)
class Page:
    """A page to visit: a name for reports, its path, the status it answers with."""

    name: str
    path: str
    status: int = 200
    resident: bool = True

    def url(self, base: str, lang: str) -> str:
        """Return the page's full URL in a language."""
        return base + self.path.format(lang=lang)


PAGES: tuple[Page, ...] = (
    Page("chooser", "/"),
    Page("home", "/{lang}/"),
    Page("languages", "/{lang}/languages?next=/{lang}/procedures"),
    Page("letters", "/{lang}/letters"),
    Page("procedures", "/{lang}/procedures"),
    Page("jobs", "/{lang}/jobs"),
    Page("help", "/{lang}/help"),
    Page("idle-warning", "/{lang}/session/idle?next=/{lang}/"),
    Page("patterns", "/{lang}/patterns"),
    Page("not-found", "/{lang}/no-such-page", status=404),
)

# The word-processing course.
PRACTICE: tuple[Page, ...] = (
    Page("practice", "/{lang}/practice/"),
    *(Page(f"practice/{lesson}", f"/{{lang}}/practice/{lesson}")
      for lesson in ("type", "correct", "copy-paste", "bold", "list", "save", "print")),
)
PAGES += PRACTICE

# The CV builder: its parts, the entry pages of its lists, the preview.
CV: tuple[Page, ...] = (
    Page("cv", "/{lang}/jobs/cv/"),
    *(Page(f"cv/{section.id}", f"/{{lang}}/jobs/cv/{section.id}") for section in SECTIONS),
    Page("cv/experience/new", "/{lang}/jobs/cv/experience/new"),
    Page("cv/experience/new?kind", "/{lang}/jobs/cv/experience/new?kind=aide-domicile"),
    Page("cv/experience/new?other", "/{lang}/jobs/cv/experience/new?kind=other"),
    Page("cv/education/new", "/{lang}/jobs/cv/education/new"),
    Page("cv/languages/new", "/{lang}/jobs/cv/languages/new"),
    Page("cv/finish", "/{lang}/jobs/cv/finish"),
)
PAGES += CV

# Every step of every flow, so each is checked with axe and weighed by the benchmark.
FLOW_STEPS: tuple[Page, ...] = tuple(
    Page(f"{flow.id}/{step.id}", f"/{{lang}}/flows/{flow.id}/{step.id}")
    for flow in sorted(load_folder(CONTENT_DIR).flows.values(), key=lambda f: f.id)
    for step in flow.steps
)
PAGES += FLOW_STEPS

# French (left to right) and Arabic (right to left) are checked on every page. The other twelve
# languages use the same templates with other words: each is checked on every page of the
# shell, the lessons' index and editor, the CV's main pages, and one step of each kind from one
# flow of each family (about 30 pages each instead of 325, which keeps `make test` under 30
# minutes). KIOSK_AXE_ALL_PAGES=1 checks every page in every language (about an hour here).
EVERY_PAGE_LANGUAGES = ("fr", "ar")
SAMPLED_FLOWS = ("courrier-motivation", "caf-housing-aid", "job-interview")
SAMPLED_PAGES = ("practice", "practice/bold", "cv", "cv/personal", "cv/skills", "cv/experience/new?kind",
                 "cv/languages/new", "cv/finish")


def _sampled_steps() -> tuple[Page, ...]:
    flows = load_folder(CONTENT_DIR).flows
    chosen = []
    for flow_id in SAMPLED_FLOWS:
        kinds: set[str] = set()
        for step in flows[flow_id].steps:
            if step.kind not in kinds:
                kinds.add(step.kind)
                chosen.append(Page(f"{flow_id}/{step.id}", f"/{{lang}}/flows/{flow_id}/{step.id}"))
    return tuple(chosen)


def pages_in(lang: str) -> tuple[Page, ...]:
    """Return the pages the accessibility check visits in a language."""
    if lang in EVERY_PAGE_LANGUAGES or os.environ.get("KIOSK_AXE_ALL_PAGES") == "1":
        return PAGES
    # The chooser ("/") is the same page in every language: French and Arabic check it.
    shell = tuple(page for page in PAGES
                  if page not in FLOW_STEPS + CV + PRACTICE and "{lang}" in page.path)
    sampled = tuple(page for page in PRACTICE + CV if page.name in SAMPLED_PAGES)
    return shell + sampled + _sampled_steps()
