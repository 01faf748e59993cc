"""Letters as documents: the layout's content, PDF read back with pypdf, ODT with odfpy."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from odf import teletype
from odf.opendocument import load
from odf.text import P
from pypdf import PdfReader

from kiosk.documents.letter import CLOSINGS, REGISTERED_MENTION, Letter
from kiosk.documents.odt import letter_odt
from kiosk.documents.pdf import letter_pdf
from tests.conftest import Resident, csrf_of

ANSWERS = {
    "sender": {"sender_name": "Zoé Lefèvre", "sender_address": "12 rue de l'Œuvre\n93100 Montreuil",
               "sender_phone": "0612345678", "sender_email": "zoe.lefevre@laposte.net"},
    "recipient": {"recipient_name": "Énergie Plus", "recipient_address": "Service clients\n75008 Paris"},
    "references": {"reference": "Contrat n° 778899", "registered": "yes"},
    "place-date": {"place": "Montreuil", "date": "26/11/2026"},
    "subject": {"subject": "Résiliation « Offre Verte » à 12 €"},
    "message": {"body_contract": "Je résilie mon contrat.", "body_date": "À compter du 31/12/2026."},
    "closing": {"closing": "thanks", "signature": "Zoé Lefèvre"},
}
TYPED = ["Zoé Lefèvre", "12 rue de l'Œuvre", "93100 Montreuil", "0612345678",
         "zoe.lefevre@laposte.net", "Énergie Plus", "Service clients", "Contrat n° 778899",
         "Montreuil, le 26/11/2026", "Résiliation « Offre Verte » à 12 €",
         "Je résilie mon contrat.", "À compter du 31/12/2026."]


@pytest.fixture(scope="session")
def fonts(font_cache: Path) -> Path:
    return font_cache


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def odt_text(data: bytes) -> str:
    document = load(io.BytesIO(data))
    return "\n".join(teletype.extractText(p) for p in document.text.getElementsByType(P))


def test_answers_become_a_french_business_letter() -> None:
    letter = Letter.from_answers("courrier-resiliation", ANSWERS)
    assert letter.sender[0] == "Zoé Lefèvre" and letter.recipient[0] == "Énergie Plus"
    assert letter.body == ("Je résilie mon contrat.", "À compter du 31/12/2026.")
    assert letter.closing == CLOSINGS["thanks"] and letter.registered
    text = letter.text()
    order = [text.index(part) for part in ("Zoé", "Énergie Plus", "Montreuil, le", REGISTERED_MENTION,
                                           "Objet :", "Madame, Monsieur,", "Je résilie", CLOSINGS["thanks"])]
    assert order == sorted(order)
    assert letter.file_name(dt.date(2026, 11, 26), "pdf") == "courrier-resiliation-2026-11-26.pdf"


def test_the_edited_body_replaces_the_draft() -> None:
    letter = Letter.from_answers("courrier-libre", {**ANSWERS, "compose": {"body": "Un.\n\nDeux\ntrois."}})
    assert letter.body == ("Un.", "Deux trois.")


@pytest.mark.parametrize("kind", ["pdf", "odt"])
def test_every_typed_field_is_in_the_document(fonts, kind) -> None:
    build, read = builders(kind, fonts)
    text = read(build(Letter.from_answers("courrier-resiliation", ANSWERS)))
    for typed in [*TYPED, REGISTERED_MENTION, CLOSINGS["thanks"]]:
        assert typed in text, typed


def builders(kind: str, fonts: Path):
    if kind == "pdf":
        return (lambda letter: letter_pdf(letter, fonts)), pdf_text
    return letter_odt, odt_text


@pytest.mark.parametrize("kind", ["pdf", "odt"])
def test_markup_is_text_and_long_bodies_flow_onto_pages(fonts, kind) -> None:
    build, read = builders(kind, fonts)
    body = "<script>alert(1)</script> <b>gras</b> 😀 مرحبا " + "mot " * 4000
    data = build(Letter.from_answers("courrier-libre", {**ANSWERS, "compose": {"body": body}}))
    text = read(data)
    assert "<script>alert(1)</script>" in text and "<b>gras</b>" in text
    if kind == "pdf":
        assert len(PdfReader(io.BytesIO(data)).pages) >= 3


def test_arabic_is_drawn_in_the_pdf(fonts) -> None:
    letter = Letter.from_answers("courrier-libre", {**ANSWERS, "compose": {"body": "مرحبا بكم"}})
    text = pdf_text(letter_pdf(letter, fonts))
    assert any("\u0600" <= ch <= "\u06ff" or "\ufe70" <= ch <= "\ufeff" for ch in text)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed here")
def test_libreoffice_converts_the_odt(tmp_path: Path) -> None:
    source = tmp_path / "lettre.odt"
    source.write_bytes(letter_odt(Letter.from_answers("courrier-resiliation", ANSWERS)))
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(source)], check=True, capture_output=True, timeout=120)
    assert "Zoé Lefèvre" in pdf_text((tmp_path / "lettre.pdf").read_bytes())


def fill_letter(resident: Resident) -> None:
    client = resident.client
    token = csrf_of(client.get("/fr/flows/courrier-libre/why").get_data(as_text=True))
    steps = {"sender": ANSWERS["sender"], "recipient": ANSWERS["recipient"],
             "references": ANSWERS["references"], "place-date": ANSWERS["place-date"],
             "subject": ANSWERS["subject"],
             "message": {"body_context": "Je vous écris.", "body_request": "Merci de répondre."},
             "closing": ANSWERS["closing"]}
    for step, data in steps.items():
        response = client.post(f"/fr/flows/courrier-libre/{step}", data={"csrf_token": token, **data})
        assert response.status_code == 303, step


def test_compose_starts_from_the_guided_answers_and_keeps_edits(resident: Resident) -> None:
    fill_letter(resident)
    html = resident.client.get("/fr/flows/courrier-libre/compose").get_data(as_text=True)
    assert "Je vous écris.\n\nMerci de répondre.</textarea>" in html
    assert 'lang="fr"' in html and 'class="letter"' in html
    token = csrf_of(html)
    too_long = "mot " * 5000
    response = resident.client.post("/fr/flows/courrier-libre/compose",
                                    data={"csrf_token": token, "body": too_long})
    assert response.status_code == 422
    assert too_long.strip() in response.get_data(as_text=True)  # nothing typed is lost


def test_download_pdf_and_odt_with_meaningful_names_and_nothing_stored(app, resident) -> None:
    fill_letter(resident)
    data_dir = Path(app.config["KIOSK_DATA_DIR"])
    before = sorted(p.name for p in data_dir.iterdir() if p.name != "fonts")
    today = dt.date.today().isoformat()
    for kind, mimetype in [("pdf", "application/pdf"),
                           ("odt", "application/vnd.oasis.opendocument.text")]:
        response = resident.client.get(f"/fr/flows/courrier-libre/document/{kind}")
        assert response.status_code == 200 and response.mimetype == mimetype
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="courrier-libre-{today}.{kind}"')
        assert response.headers["Cache-Control"] == "no-store"
        text = pdf_text(response.data) if kind == "pdf" else odt_text(response.data)
        assert "Je vous écris." in text and "Zoé Lefèvre" in text
    # Only the fonts cut once for every document; no document is written anywhere.
    assert sorted(p.name for p in data_dir.iterdir() if p.name != "fonts") == before
    assert all(p.suffix == ".ttf" for p in (data_dir / "fonts").iterdir())
    resident.post("session/end")
    response = resident.client.get("/fr/flows/courrier-libre/document/pdf")
    assert response.status_code == 302  # the letter went with the session


def test_only_letter_flows_have_documents(client) -> None:
    assert client.get("/fr/flows/email-address/document/pdf").status_code == 404
    assert client.get("/fr/flows/courrier-libre/document/docx").status_code == 404
