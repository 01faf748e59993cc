"""What a CV holds, section by section (the Europass order), and how each answer is checked.

Pure Python, no Flask. Texts are English message ids: the screens show them in the resident's
language, the CV prints them in the CV's language (French or English), both through gettext.

A draft is a plain dict kept in the resident's CvDraft row:
  {"language": "fr", "layout": "classic", "personal": {...}, "experience": [{...}, ...], ...}
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.flows.engine import N_, Field, Option, Problem, check_field, parse_month

CV_LANGUAGES = ("fr", "en")
LAYOUTS = ("classic", "columns")
LIMITS = {"experience": 20, "education": 12, "languages": 8}
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = ("JPEG", "PNG")
PHOTO_SIZE = (300, 400)  # kept at most this size in pixels, re-encoded as JPEG


def _field(name: str, type_: str, label: str, hint: str = "", required: bool = False,
           options: tuple[Option, ...] = (), when: str = "") -> Field:
    return Field(name=name, type=type_, label=label, hint=hint, required=required,
                 options=options, when=when)


@dataclass(frozen=True)
class Section:
    """One screen of the CV builder: its fields, or its list of entries when it repeats."""

    id: str
    title: str
    intro: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    repeats: bool = False
    picks: str = ""  # the name of a list of boxes to tick (digital, licences, skills)


# Levels of the Common European Framework of Reference for Languages, explained plainly.
CEFR_LEVELS: tuple[tuple[str, str], ...] = (
    ("A1", N_("A1: I know a few words and very simple sentences.")),
    ("A2", N_("A2: I can manage in simple everyday situations: shopping, directions.")),
    ("B1", N_("B1: I can talk about my work and my life, with some mistakes.")),
    ("B2", N_("B2: I can follow a conversation and explain my point of view.")),
    ("C1", N_("C1: I speak easily, even about complex subjects.")),
    ("C2", N_("C2: I speak as well as a native speaker.")),
)
CEFR_OPTIONS = tuple(Option(code, code, "") for code, _ in CEFR_LEVELS)
LANGUAGE_SKILLS: tuple[tuple[str, str], ...] = (
    ("understand", N_("Understanding")),
    ("speak", N_("Speaking")),
    ("write", N_("Writing")),
)
# Languages offered in the pickers: Kiosque's 14 and others common in the Grand Paris centres.
LANGUAGE_CODES = (
    "fr", "en", "ar", "fa", "ps", "ti", "uk", "ru", "pt", "tr", "zh", "ro", "ta", "bn",
    "es", "it", "de", "pl", "wo", "bm", "ln", "kab", "so", "am", "ur", "hi", "vi", "sq", "ku",
)

DIGITAL_SKILLS: tuple[tuple[str, str], ...] = (
    ("email", N_("Sending and reading e-mails, with attachments")),
    ("wordprocessing", N_("Writing a document with a word processor")),
    ("internet", N_("Searching for information on the internet")),
    ("procedures", N_("Doing procedures online (CAF, France Travail, ameli)")),
    ("smartphone", N_("Using a smartphone and its apps")),
    ("videocall", N_("Taking part in video calls")),
    ("spreadsheet", N_("Using a spreadsheet for simple tables")),
    ("files", N_("Saving and filing documents and photos in folders")),
    ("payments", N_("Buying and paying online safely")),
)

LICENCES: tuple[tuple[str, str], ...] = (
    ("B", N_("Car driving licence (B)")),
    ("AM", N_("Moped licence (AM)")),
    ("A", N_("Motorbike licence (A)")),
    ("C", N_("Lorry driving licence (C)")),
    ("D", N_("Bus driving licence (D)")),
    ("caces", N_("CACES (forklift and site machinery)")),
    ("sst", N_("First aid at work certificate (SST)")),
    ("cnaps", N_("Security guard professional card (CNAPS)")),
    ("haccp", N_("Food hygiene training (HACCP)")),
)

# Skills people have without a job title: from family life, volunteering, odd jobs; and qualities.
SKILL_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (N_("From family life"), (
        ("children", N_("Looking after children")),
        ("care", N_("Caring for an elderly or sick person")),
        ("budget", N_("Managing a household budget")),
        ("cooking", N_("Cooking for many people")),
    )),
    (N_("From volunteering"), (
        ("welcome", N_("Welcoming and guiding people")),
        ("events", N_("Organising events")),
        ("teamwork", N_("Working in a team")),
        ("handing-out", N_("Handing out food or clothes")),
    )),
    (N_("From odd jobs"), (
        ("repairs", N_("Small repairs and DIY")),
        ("gardening", N_("Gardening")),
        ("moving", N_("Carrying loads and helping people move house")),
        ("selling", N_("Selling on a market stall")),
    )),
    (N_("Qualities"), (
        ("punctual", N_("Punctual")),
        ("reliable", N_("Reliable and serious")),
        ("patient", N_("Patient and calm")),
        ("people", N_("Good with people")),
        ("careful", N_("Careful and precise")),
        ("multilingual", N_("Speaking several languages")),
    )),
)
SKILLS: tuple[tuple[str, str], ...] = tuple(item for _, items in SKILL_GROUPS for item in items)


@dataclass(frozen=True)
class JobKind:
    """A common job (or an experience without a job title) with task phrases to pick from."""

    id: str
    title: str
    tasks: tuple[str, ...]


JOB_KINDS: tuple[JobKind, ...] = (
    JobKind("agent-entretien", N_("Cleaner"), (
        N_("Cleaning and disinfecting offices, rooms and toilets"),
        N_("Emptying bins and sorting waste"),
        N_("Using cleaning machines: scrubber-dryer, vacuum cleaner"),
        N_("Following hygiene and safety rules"),
        N_("Keeping track of cleaning products"))),
    JobKind("aide-domicile", N_("Home help"), (
        N_("Helping elderly people with daily life"),
        N_("Cleaning the home and doing the laundry"),
        N_("Doing the shopping and preparing meals"),
        N_("Keeping people company and going out with them"),
        N_("Writing in the liaison notebook for the family"))),
    JobKind("employe-commerce", N_("Shop assistant"), (
        N_("Filling shelves and putting up prices"),
        N_("Welcoming and advising customers"),
        N_("Receiving and checking deliveries"),
        N_("Checking use-by dates"),
        N_("Keeping the shop clean and tidy"))),
    JobKind("preparateur-commandes", N_("Order picker"), (
        N_("Picking orders with a scanner"),
        N_("Packing and labelling parcels"),
        N_("Checking quantities and product references"),
        N_("Loading and unloading goods"),
        N_("Keeping the warehouse tidy"))),
    JobKind("serveur", N_("Waiter or waitress"), (
        N_("Welcoming customers and taking orders"),
        N_("Serving dishes and drinks"),
        N_("Setting and clearing tables"),
        N_("Taking payments"),
        N_("Cleaning the dining room"))),
    JobKind("cuisinier", N_("Cook"), (
        N_("Preparing starters, main dishes and desserts"),
        N_("Preparing vegetables, meat and fish"),
        N_("Following food hygiene rules (HACCP)"),
        N_("Receiving and storing food supplies"),
        N_("Cleaning the kitchen and its equipment"))),
    JobKind("agent-securite", N_("Security guard"), (
        N_("Checking entrances and visitors"),
        N_("Patrolling the building and its car parks"),
        N_("Watching security cameras"),
        N_("Writing reports on incidents"),
        N_("Applying fire safety instructions"))),
    JobKind("chauffeur-livreur", N_("Delivery driver"), (
        N_("Delivering parcels to customers"),
        N_("Planning the delivery round"),
        N_("Loading and unloading the van"),
        N_("Checking delivery notes and getting them signed"),
        N_("Looking after the vehicle"))),
    JobKind("manutentionnaire", N_("Warehouse handler"), (
        N_("Loading and unloading lorries"),
        N_("Moving goods with a pallet truck"),
        N_("Storing goods in the right place"),
        N_("Checking goods on arrival"),
        N_("Packing products"))),
    JobKind("assistante-maternelle", N_("Childminder"), (
        N_("Looking after young children at home"),
        N_("Preparing and giving meals"),
        N_("Organising games and activities"),
        N_("Taking care of hygiene and naps"),
        N_("Talking with the parents every day"))),
    JobKind("caissier", N_("Cashier"), (
        N_("Scanning items and taking payments"),
        N_("Counting the till at the end of the day"),
        N_("Welcoming and informing customers"),
        N_("Handling returns and loyalty cards"),
        N_("Keeping the checkout tidy"))),
    JobKind("employe-polyvalent", N_("General staff member"), (
        N_("Preparing food and drinks"),
        N_("Serving customers at the counter"),
        N_("Taking payments"),
        N_("Cleaning the premises"),
        N_("Helping wherever the team needs it"))),
    JobKind("aide-soignant", N_("Care assistant"), (
        N_("Helping patients to wash, dress and eat"),
        N_("Watching patients' health and comfort"),
        N_("Making beds and keeping rooms clean"),
        N_("Working with nurses"),
        N_("Writing notes in the care file"))),
    JobKind("macon", N_("Bricklayer"), (
        N_("Building walls with bricks and blocks"),
        N_("Mixing concrete and mortar"),
        N_("Reading simple building plans"),
        N_("Putting up scaffolding safely"),
        N_("Laying foundations and floor slabs"))),
    JobKind("agent-administratif", N_("Administrative assistant"), (
        N_("Answering the phone and welcoming visitors"),
        N_("Sorting and filing mail and documents"),
        N_("Typing letters and documents"),
        N_("Keeping files and tables up to date"),
        N_("Making appointments"))),
    JobKind("benevolat", N_("Volunteer work"), (
        N_("Welcoming and guiding people"),
        N_("Handing out food parcels"),
        N_("Helping to organise events"),
        N_("Helping children with their homework"),
        N_("Collecting and sorting donations"))),
    JobKind("aidant", N_("Caring for a family member"), (
        N_("Caring every day for a sick or elderly relative"),
        N_("Managing appointments and medicines"),
        N_("Doing procedures with administrations"),
        N_("Managing a household budget"))),
    JobKind("petits-travaux", N_("Odd jobs"), (
        N_("Small repairs, painting and DIY"),
        N_("Gardening and outdoor cleaning"),
        N_("Helping people move house"),
        N_("Selling on markets"))),
)
JOB_KIND_BY_ID = {kind.id: kind for kind in JOB_KINDS}

SECTIONS: tuple[Section, ...] = (
    Section("document", N_("The language of your CV"), (
        N_("Employers in France read CVs in French."),
        N_("Choose English only for a job that asks for it."),
        N_("You can change this later."),
    ), fields=(_field("cv_language", "select", N_("Write my CV in"), required=True, options=(
        Option("fr", N_("French"), ""), Option("en", N_("English"), ""))),)),
    Section("personal", N_("About you"), (
        N_("Give only what you want the employer to see."),
        N_("Your name, and a phone number or an e-mail, are enough."),
        N_("You do not need to give your age, your nationality or your family situation."),
    ), fields=(
        _field("first_name", "text", N_("Your first name"), N_("For example: Marie"), required=True),
        _field("last_name", "text", N_("Your last name"), N_("For example: Dupont"), required=True),
        _field("phone", "phone", N_("Your phone number"), N_("10 digits, for example: 06 12 34 56 78")),
        _field("email", "email", N_("Your e-mail address"), N_("For example: marie.dupont@laposte.net")),
        _field("address", "longtext", N_("Your town, or your address"),
               N_("Your town is enough, for example: 93100 Montreuil")),
    )),
    Section("photo", N_("A photo, if you want"), (
        N_("A photo is not required in France."),
        N_("If you add one, choose a recent photo of your face, on a plain background."),
        N_("The photo is deleted when you end your session."),
    )),
    Section("target", N_("The job you are looking for"), (
        N_("Write the job you want, in the words of the job offers."),
    ), fields=(
        _field("job", "text", N_("The job you want"), N_("For example: Agent d'entretien"), required=True),
        _field("wish", "text", N_("Hours and start date you want"),
               N_("For example: Temps plein, disponible tout de suite")),
    )),
    Section("about", N_("A few words about you"), (
        N_("Two or three sentences: what you know how to do, and what you want."),
        N_("Write in the language of your CV."),
    ), fields=(
        _field("about", "longtext", N_("About me"),
               N_("For example: Sérieuse et ponctuelle, j'ai 5 ans d'expérience dans le nettoyage.")),
    )),
    Section("experience", N_("Your work experience"), (
        N_("Start with the most recent."),
        N_("No job yet? Volunteer work, caring for a relative and odd jobs count too."),
    ), repeats=True, fields=(
        _field("job", "text", N_("Job or activity"), N_("For example: Agent d'entretien"), required=True),
        _field("employer", "text", N_("Employer or organisation"), N_("For example: Hôtel du Parc")),
        _field("place", "text", N_("Town"), N_("For example: Paris")),
        _field("start", "month", N_("Start"), N_("Month and year, for example: 03/2021"),
               required=True, when="past"),
        _field("end", "month", N_("End"),
               N_("Month and year, for example: 06/2023. Leave it empty if you still do it."), when="past"),
        _field("tasks", "longtext", N_("Your tasks"), N_("One task a line, in the language of your CV.")),
    )),
    Section("education", N_("Your studies and training"), (
        N_("Diplomas, training courses, and language classes count."),
        N_("A diploma from another country counts too: write its name and the country."),
    ), repeats=True, fields=(
        _field("title", "text", N_("Diploma or training"),
               N_("For example: CAP Cuisine, or Baccalauréat (Maroc)"), required=True),
        _field("school", "text", N_("School or organisation"), N_("For example: GRETA Paris")),
        _field("place", "text", N_("Town and country"), N_("For example: Casablanca, Maroc")),
        _field("start", "month", N_("Start"), N_("Month and year, or the year alone, for example: 2019"),
               when="past"),
        _field("end", "month", N_("End"), N_("Leave it empty if you are still studying."), when="past"),
        _field("details", "longtext", N_("What you learnt"),
               N_("One line each, in the language of your CV.")),
    )),
    Section("mother-tongue", N_("Your mother tongue"), (
        N_("The language you spoke first, at home."),
    ), fields=(
        _field("mother", "select", N_("Your mother tongue")),
        _field("mother_other", "text", N_("Another language not in the list"), N_("Write its name")),
    )),
    Section("languages", N_("Other languages you speak"), (
        N_("Give your level for each language, French too."),
        N_("The levels go from A1 (beginner) to C2 (like a native speaker)."),
    ), repeats=True, fields=(
        _field("language", "select", N_("Language")),
        _field("language_other", "text", N_("Another language not in the list"), N_("Write its name")),
        *(_field(skill, "select", label, required=True, options=CEFR_OPTIONS)
          for skill, label in LANGUAGE_SKILLS),
    )),
    Section("digital", N_("What you can do on a computer"), (
        N_("Tick what you can do alone."),
    ), picks="digital", fields=(
        _field("other", "text", N_("Something else"), N_("For example: Pix certificate")),
    )),
    Section("licence", N_("Driving licences and certificates"), (
        N_("Tick what you have, even from another country."),
    ), picks="licence", fields=(
        _field("vehicle", "yesno", N_("Do you have a vehicle?")),
    )),
    Section("skills", N_("Your skills and qualities"), (
        N_("What you learnt in life counts too."),
        N_("Tick what is true for you."),
    ), picks="skills", fields=(
        _field("other", "text", N_("Other skills"), N_("In the language of your CV")),
    )),
    Section("interests", N_("Your interests"), (
        N_("Sport, music, cooking, a club, an association: say what you like doing."),
    ), fields=(
        _field("interests", "text", N_("Your interests"), N_("For example: Football, cuisine, bénévolat")),
    )),
)
SECTION_BY_ID = {section.id: section for section in SECTIONS}
PICKS: dict[str, tuple[tuple[str, str], ...]] = {
    "digital": DIGITAL_SKILLS, "licence": LICENCES, "skills": SKILLS,
}


def cv_language(content: Mapping[str, Any]) -> str:
    """Return the language a draft's CV is written in (French unless English was chosen)."""
    chosen = content.get("document", {}).get("cv_language")
    return chosen if chosen in CV_LANGUAGES else CV_LANGUAGES[0]


def next_section(section: Section) -> Section | None:
    """Return the section after this one in the guided order, if any."""
    position = SECTIONS.index(section)
    return SECTIONS[position + 1] if position + 1 < len(SECTIONS) else None


def previous_section(section: Section) -> Section | None:
    """Return the section before this one in the guided order, if any."""
    position = SECTIONS.index(section)
    return SECTIONS[position - 1] if position else None


def language_field(section: Section, name: str) -> Field:
    """Return a language picker field with every offered language as an option."""
    entry = next(f for f in section.fields if f.name == name)
    return Field(name=entry.name, type="select", label=entry.label, required=entry.required,
                 options=tuple(Option(code, code, "") for code in LANGUAGE_CODES))


def check(section: Section, form: Mapping[str, Any], today: dt.date
          ) -> tuple[dict[str, Any], dict[str, Problem]]:
    """Return the cleaned answer to a section (or to one entry of it) and the problems found."""
    values: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    for entry in section.fields:
        if entry.name in ("mother", "language"):
            entry = language_field(section, entry.name)
        raw = form.get(entry.name, "")
        value, problem = check_field(entry, raw if isinstance(raw, str) else "", today)
        values[entry.name] = value
        if problem is not None:
            problems[entry.name] = problem
    if section.picks:
        allowed = dict(PICKS[section.picks])
        ticked = form.getlist("pick") if hasattr(form, "getlist") else form.get("pick", [])
        chosen = set(ticked)
        values["picks"] = [code for code in allowed if code in chosen]
    if section.id in ("experience", "education"):
        _check_period(values, problems)
    if section.id == "experience":
        kind = JOB_KIND_BY_ID.get(form.get("kind", ""))
        values["kind"] = kind.id if kind else ""
        ticked = form.getlist("task") if hasattr(form, "getlist") else form.get("task", [])
        values["picked"] = [n for n in range(len(kind.tasks)) if str(n) in set(ticked)] if kind else []
    for name in ("mother", "language"):
        if name in values:
            other = values[f"{name}_other"]
            if not values[name] and not other and name not in problems:
                problems[name] = Problem(N_("Choose a language in the list, or write its name."))
            elif values[name] and other:
                problems[f"{name}_other"] = Problem(
                    N_("Choose a language in the list or write one, not both."))
    return values, problems


def _check_period(values: dict[str, Any], problems: dict[str, Problem]) -> None:
    start, end = parse_month(values.get("start", "")), parse_month(values.get("end", ""))
    # A year alone compares as its first month at the start and its last at the end.
    if start and end and "start" not in problems and "end" not in problems \
            and (end[0], end[1] or 12) < (start[0], start[1] or 1):
            problems["end"] = Problem(N_("The end is before the start."))


def is_filled(section: Section, answer: Any) -> bool:
    """Tell whether the resident has answered a section."""
    if section.repeats:
        return bool(answer)
    if not isinstance(answer, dict):
        return False
    return any(value for value in answer.values())

