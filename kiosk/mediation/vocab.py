"""The national vocabularies of activity reports (reference/cra.md): stable codes, translated labels.

Labels are written in English like every source string; the French catalog carries the exact
national labels (tests/test_mediation_vocab.py holds them and checks each one), and the CSV
export always speaks French, whatever the médiateur's screen language.
"""
from __future__ import annotations

import csv
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.support import LazyProxy

from kiosk.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Vocabulary:
    """One closed list: (code, label) pairs in the national order."""

    name: str
    items: tuple[tuple[str, LazyProxy], ...]

    def __iter__(self) -> Iterator[tuple[str, LazyProxy]]:
        return iter(self.items)

    def codes(self) -> tuple[str, ...]:
        """Return the codes, in order."""
        return tuple(code for code, _ in self.items)

    def label(self, code: str) -> str:
        """Return the label of a code in the current language (the code itself if unknown)."""
        for known, label in self.items:
            if known == code:
                return str(label)
        return code

    def message_id(self, code: str) -> str:
        """Return the untranslated label of a code (to translate into another language)."""
        for known, label in self.items:
            if known == code:
                return label._args[0]
        return code


def vocabulary(name: str, *items: tuple[str, LazyProxy]) -> Vocabulary:
    """Declare a vocabulary."""
    return Vocabulary(name, tuple(items))


ACTIVITY_TYPES = vocabulary(
    "type",
    ("individuel", _l("Individual support")),
    ("collectif", _l("Group workshop")),
)
DURATIONS = (15, 30, 45, 60, 90, 120)
# Statistics brackets: (code, label, lowest minutes included, highest excluded).
DURATION_BRACKETS = (
    ("moins_30", _l("Less than 30 min"), 0, 30),
    ("30_60", _l("30 min to 1 h"), 30, 60),
    ("60_120", _l("1 h to 2 h"), 60, 120),
    ("120_plus", _l("2 h and more"), 120, 10**9),
)
PLACES = vocabulary(
    "lieu",
    ("lieu_activite", _l("Place of activity")),
    ("autre_lieu", _l("Other place")),
    ("domicile", _l("At home")),
    ("distance", _l("Remotely")),
)
EQUIPMENT = vocabulary(
    "materiel",
    ("ordinateur", _l("Computer")),
    ("telephone", _l("Phone")),
    ("tablette", _l("Tablet")),
    ("autre", _l("Other")),
    ("aucun", _l("No equipment")),
)
THEMES = vocabulary(
    "thematiques",
    ("diagnostic_numerique", _l("Digital skills assessment")),
    ("prendre_en_main_du_materiel", _l("Getting started with a device")),
    ("maintenance_de_materiel", _l("Device maintenance")),
    ("gerer_ses_contenus_numeriques", _l("Managing one's digital content")),
    ("navigation_sur_internet", _l("Browsing the internet")),
    ("email", _l("E-mail")),
    ("bureautique", _l("Office software")),
    ("reseaux_sociaux", _l("Social networks, communication")),
    ("sante", _l("Health")),
    ("banque_et_achats_en_ligne", _l("Online banking and shopping")),
    ("accompagner_un_professionnel", _l("Supporting a professional")),
    ("insertion_professionnelle", _l("Getting into work")),
    ("securite_numerique", _l("Digital safety")),
    ("parentalite", _l("Parenting")),
    ("scolarite_et_numerique", _l("School and digital")),
    ("creer_avec_le_numerique", _l("Creating with digital tools")),
    ("culture_numerique", _l("Digital culture")),
    ("intelligence_artificielle", _l("Artificial intelligence (AI)")),
    ("aide_aux_demarches_administratives", _l("Help with administrative procedures")),
)
ADMIN_THEMES = vocabulary(
    "thematiques_administratives",
    ("papiers_elections_citoyennete", _l("Papers - Elections - Citizenship")),
    ("famille_scolarite", _l("Family - Schooling")),
    ("social_sante", _l("Social - Health")),
    ("travail_formation", _l("Work - Training - Business")),
    ("logement", _l("Housing")),
    ("transports_mobilite", _l("Transport - Mobility")),
    ("argent_impots", _l("Money - Taxes")),
    ("justice", _l("Justice")),
    ("etrangers_europe", _l("Foreigners - Europe")),
    ("loisirs_sports_culture", _l("Leisure - Sports - Culture")),
    ("associations", _l("Associations")),
)
AUTONOMY = vocabulary(
    "autonomie",
    ("entierement_accompagne", _l("1 With guidance")),
    ("partiellement_autonome", _l("2 Autonomous with guidance when needed")),
    ("autonome", _l("3 Autonomous")),
)
REDIRECTIONS = vocabulary(
    "structure_de_redirection",
    ("administration", _l("Administration (town hall, prefecture…)")),
    ("mediation_numerique", _l("Other digital inclusion place")),
    ("operateur_demarche", _l("Operator or body in charge of the procedure")),
    ("aide_sociale", _l("Social support place (maison des solidarités, social centre…)")),
    ("insertion_professionnelle", _l("Employment support place (France Travail, mission locale, "
                                     "chamber of commerce…)")),
    ("aide_aux_demarches", _l("Place helping with procedures (France Services…)")),
    ("autre", _l("Other")),
)
LEVELS = vocabulary(
    "niveau",
    ("debutant", _l("Beginner")),
    ("intermediaire", _l("Intermediate")),
    ("avance", _l("Advanced")),
)
GENDERS = vocabulary(
    "genre",
    ("masculin", _l("Male")),
    ("feminin", _l("Female")),
    ("non_communique", _l("Not stated")),
)
AGE_BANDS = vocabulary(
    "tranche_age",
    ("moins_12", _l("Under 12")),
    ("12_17", _l("12 - 17")),
    ("18_24", _l("18 - 24")),
    ("25_39", _l("25 - 39")),
    ("40_59", _l("40 - 59")),
    ("60_69", _l("60 - 69")),
    ("70_plus", _l("70 and over")),
    ("non_communique", _l("Not stated")),
)
STATUSES = vocabulary(
    "statut",
    ("retraite", _l("Retired")),
    ("sans_emploi", _l("Out of work")),
    ("en_emploi", _l("In work")),
    ("scolarise", _l("In education")),
    ("non_communique", _l("Not stated or mixed")),
)
YES_NO_UNKNOWN = vocabulary(
    "oui_non_inconnu",
    ("oui", _l("Yes")),
    ("non", _l("No")),
    ("inconnu", _l("Unknown")),
)
PRESCRIBERS = vocabulary(
    "prescripteur",
    ("aucun", _l("Came on their own")),
    ("ccas_mairie", _l("CCAS or town hall")),
    ("la_poste", _l("La Poste office")),
    ("france_travail", _l("France Travail")),
    ("mission_locale", _l("Mission locale")),
    ("travailleur_social", _l("Social worker")),
    ("bailleur_social", _l("Social landlord")),
    ("association", _l("Association")),
    ("autre", _l("Other")),
)
FUNDING = vocabulary(
    "financement",
    ("aucun", _l("Nothing")),
    ("pass_numerique", _l("Pass numérique cheques")),
    ("parcours", _l("Numérique pour tous parcours")),
)


@functools.cache
def communes() -> dict[str, tuple[str, str]]:
    """Return the communes of the Métropole du Grand Paris: INSEE code -> (postal code, name)."""
    path = Path(__file__).with_name("communes.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["insee"]: (row["code_postal"], row["nom"]) for row in csv.DictReader(handle)}


def commune_choices() -> list[tuple[str, str]]:
    """Return (INSEE code, "name (postal code)") pairs sorted by name, for a list to choose from."""
    return sorted(((code, f"{name} ({postal})") for code, (postal, name) in communes().items()),
                  key=lambda pair: pair[1])
