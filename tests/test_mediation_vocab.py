"""The national vocabularies read in French exactly as in the national tool (reference/cra.md)."""
from __future__ import annotations

import pytest
from flask import Flask

from kiosk.i18n import translations_for
from kiosk.mediation import vocab

# The exact labels of reference/cra.md, in its order.
NATIONAL = {
    "type": ["Accompagnement individuel", "Atelier collectif"],
    "lieu": ["Lieu d'activité", "Autre lieu", "À domicile", "À distance"],
    "materiel": ["Ordinateur", "Téléphone", "Tablette", "Autre", "Pas de matériel"],
    "thematiques": [
        "Diagnostic numérique", "Prendre en main du matériel", "Maintenance de matériel",
        "Gérer ses contenus numériques", "Navigation sur internet", "E-mail", "Bureautique",
        "Réseaux sociaux communication", "Santé", "Banque et achats en ligne",
        "Accompagner un professionnel", "Insertion professionnelle", "Prévention en sécurité numérique",
        "Parentalité", "Scolarité et numérique", "Créer avec le numérique", "Culture numérique",
        "Intelligence artificielle (IA)", "Aide aux démarches administratives",
    ],
    "thematiques_administratives": [
        "Papiers - Élections - Citoyenneté", "Famille - Scolarité", "Social - Santé",
        "Travail - Formation - Entreprise", "Logement", "Transports - Mobilité", "Argent - Impôts",
        "Justice", "Étrangers - Europe", "Loisirs - Sports - Culture", "Associations",
    ],
    "autonomie": ["1 Avec guidage", "2 Autonome avec guidage en cas de besoin", "3 Autonome"],
    "structure_de_redirection": [
        "Administration (mairie, préfecture…)", "Autre structure de médiation numérique",
        "Opérateur ou organisme en charge de la démarche administrative",
        "Structure d'aide sociale (maison des solidarités, centre social…)",
        "Structure d'insertion professionnelle (France Travail, mission locale, chambre de commerce…)",
        "Structure d'aide aux démarches administratives (France Services…)", "Autre",
    ],
    "niveau": ["Débutant", "Intermédiaire", "Avancé"],
    "genre": ["Masculin", "Féminin", "Non communiqué"],
    "tranche_age": ["Moins de 12 ans", "12 - 17 ans", "18 - 24 ans", "25 - 39 ans", "40 - 59 ans",
                    "60 - 69 ans", "70 ans et plus", "Non communiqué"],
    "statut": ["Retraité", "Sans emploi", "En emploi", "Scolarisé", "Non communiqué ou hétérogène"],
}
BRACKETS = ["Moins de 30 min", "30 min à 1 h", "1 h à 2 h", "2 h et plus"]
VOCABULARIES = [vocab.ACTIVITY_TYPES, vocab.PLACES, vocab.EQUIPMENT, vocab.THEMES, vocab.ADMIN_THEMES,
                vocab.AUTONOMY, vocab.REDIRECTIONS, vocab.LEVELS, vocab.GENDERS, vocab.AGE_BANDS,
                vocab.STATUSES]


@pytest.mark.parametrize("words", VOCABULARIES, ids=lambda words: words.name)
def test_french_labels_are_the_national_ones(app: Flask, words: vocab.Vocabulary) -> None:
    with app.app_context():
        french = translations_for("fr")
        assert [french.gettext(words.message_id(code)) for code in words.codes()] == NATIONAL[words.name]


def test_duration_brackets_read_as_the_national_ones(app: Flask) -> None:
    with app.app_context():
        french = translations_for("fr")
        assert [french.gettext(label._args[0]) for _, label, _, _ in vocab.DURATION_BRACKETS] == BRACKETS


def test_codes_are_stable_snake_case_and_unique() -> None:
    for words in [*VOCABULARIES, vocab.PRESCRIBERS, vocab.FUNDING, vocab.YES_NO_UNKNOWN]:
        codes = words.codes()
        assert len(set(codes)) == len(codes)
        assert all(code.replace("_", "").isalnum() and code == code.lower() for code in codes)


def test_communes_of_the_metropole_are_offered_by_name() -> None:
    names = dict(vocab.commune_choices())
    assert names["93048"] == "Montreuil (93100)"
    assert len(names) == 149
