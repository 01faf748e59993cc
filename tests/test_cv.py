"""The CV builder: from nothing to a PDF, an ODT and a cover letter; bad input; nothing kept."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from odf import teletype
from odf.opendocument import load
from odf.text import P
from PIL import Image
from pypdf import PdfReader

from kiosk.cv.models import CvDraft
from kiosk.cv.sections import JOB_KIND_BY_ID, LIMITS, PHOTO_MAX_BYTES
from kiosk.documents.cv import CurriculumVitae, language_name, period
from kiosk.flows.engine import parse_month
from kiosk.flows.models import FlowUse
from kiosk.resident.models import KioskSession
from tests.conftest import Resident, csrf_of


class Builder(Resident):
    """A resident building a CV through the test client."""

    def get(self, path: str, status: int = 200) -> str:
        response = self.client.get(f"/{self.lang}/jobs/cv/{path}")
        assert response.status_code == status, (path, response.status_code)
        return response.get_data(as_text=True)

    def post(self, path: str, **form):
        return super().post(f"jobs/cv/{path}", **form)

    def save(self, path: str, **form) -> str:
        response = self.post(path, **form)
        assert response.status_code == 303, (path, response.status_code,
                                              re.findall(r'field-message[^>]*>.*?<span>(.*?)</span>',
                                                         response.get_data(as_text=True)))
        return response.headers["Location"]


def png(width: int = 600, height: int = 800) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def fill_a_cv(builder: Builder, cv_language: str = "fr") -> None:
    builder.save("document", cv_language=cv_language)
    builder.save("personal", first_name="Aïcha", last_name="Benali", phone="06 12 34 56 78",
                 email="aicha.benali@laposte.net", address="12 rue de Paris\n93100 Montreuil")
    builder.save("target", job="Agent d'entretien", wish="Temps plein")
    builder.save("about", about="Sérieuse et ponctuelle, j'aime le travail bien fait.")
    builder.save("experience/new", kind="agent-entretien", job="Agent d'entretien",
                 employer="Hôtel du Parc", place="Paris", start="03/2021", end="06/2023",
                 task=["0", "2"], tasks="Entretien des chambres (30 par jour)")
    builder.save("experience/new", kind="aidant", job="Aidante familiale", start="2018",
                 task=["1"], tasks="")
    builder.save("education/new", title="Baccalauréat (Maroc)", school="Lycée Ibn Khaldoun",
                 place="Casablanca, Maroc", start="2010", end="2013", details="")
    builder.save("mother-tongue", mother="ar")
    builder.save("languages/new", language="fr", understand="B1", speak="B1", write="A2")
    builder.save("digital", pick=["email", "smartphone"], other="Pix")
    builder.save("licence", pick=["B", "haccp"], vehicle="no")
    builder.save("skills", pick=["children", "punctual"], other="Couture")
    builder.save("interests", interests="Cuisine, marche")


TYPED = ["Aïcha Benali", "Agent d'entretien", "Temps plein", "06 12 34 56 78", "aicha.benali@laposte.net",
         "93100 Montreuil", "Sérieuse et ponctuelle", "Hôtel du Parc", "Entretien des chambres (30 par jour)",
         "Aidante familiale", "Baccalauréat (Maroc)", "Lycée Ibn Khaldoun", "Pix", "Couture",
         "Cuisine, marche"]
FRENCH = ["Expérience professionnelle", "Formation", "Langue maternelle : Arabe", "Français",
          "mars 2021 – juin 2023", "Depuis 2018", "Permis B"]


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def odt_text(body: bytes) -> str:
    return "\n".join(teletype.extractText(p) for p in load(io.BytesIO(body)).getElementsByType(P))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("layout", ["classic", "columns"])
def test_from_nothing_to_a_french_cv_in_pdf_and_odt(app, client, layout) -> None:
    builder = Builder(client)
    fill_a_cv(builder)
    builder.save("finish", layout=layout)
    page = builder.get("finish")
    assert f'class="cv cv-{layout}"' in page and 'lang="fr" dir="ltr"' in page
    for typed in TYPED[:2] + TYPED[5:]:
        assert typed.replace("'", "&#39;") in page

    pdf = client.get("/fr/jobs/cv/document/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="CV-Benali-Aicha.pdf"'
    assert pdf.headers["Cache-Control"] == "no-store"
    odt = client.get("/fr/jobs/cv/document/odt")
    assert odt.headers["Content-Disposition"] == 'attachment; filename="CV-Benali-Aicha.odt"'
    for text in (flat(pdf_text(pdf.data)), flat(odt_text(odt.data))):
        for expected in TYPED + FRENCH:
            assert expected.casefold() in text.casefold(), expected
        # Ticked suggestions print in the CV's language, not the screen's.
        assert "Nettoyage" in text and "Cleaning" not in text
    with app.app_context():
        assert FlowUse.get(FlowUse.flow == "cv").completed


def test_the_cv_photo_is_checked_shrunk_and_printed(app, client) -> None:
    builder = Builder(client)
    builder.save("personal", first_name="Ana", last_name="Silva")
    page = builder.get("photo")
    assert "10 MB" in page or "10 Mo" in page  # the limit is shown before the upload
    assert builder.save("photo", photo=(io.BytesIO(png()), "moi.png")).endswith("/jobs/cv/photo")
    photo = client.get("/jobs/cv/photo.jpg")
    assert photo.status_code == 200 and photo.headers["Cache-Control"] == "no-store"
    with Image.open(io.BytesIO(photo.data)) as image:
        assert image.format == "JPEG" and image.size == (300, 400)
    pdf = client.get("/fr/jobs/cv/document/pdf")
    assert len(PdfReader(io.BytesIO(pdf.data)).pages[0].images) == 1
    with zipfile.ZipFile(io.BytesIO(client.get("/fr/jobs/cv/document/odt").data)) as odt:
        assert any(name.startswith("Pictures/") for name in odt.namelist())
    # Another visitor cannot see it.
    assert app.test_client().get("/jobs/cv/photo.jpg").status_code == 404
    assert builder.save("photo", remove="yes")
    assert client.get("/jobs/cv/photo.jpg").status_code == 404


@pytest.mark.parametrize(("upload", "message"), [
    ((io.BytesIO(b"%PDF-1.4 not a photo"), "photo.jpg"), "JPEG"),
    ((io.BytesIO(b"GIF89a" + b"\0" * 100), "anim.gif"), "JPEG"),
    ((io.BytesIO(b"\0" * (PHOTO_MAX_BYTES + 10)), "huge.jpg"), "10"),
    (None, ""),
])
def test_a_bad_photo_gets_a_clear_message(client, upload, message) -> None:
    builder = Builder(client)
    response = builder.post("photo", **({"photo": upload} if upload else {}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and message in html
    assert client.get("/jobs/cv/photo.jpg").status_code == 404


def test_dates_are_checked_and_what_was_typed_is_kept(client) -> None:
    builder = Builder(client)
    next_year = dt.date.today().year + 1
    response = builder.post("experience/new", job="Serveur", employer="Café des Arts",
                            start=f"01/{next_year}", tasks="Service en salle")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Cette date est dans le futur" in html or "future" in html
    assert 'value="Café des Arts"' in html and "Service en salle" in html
    response = builder.post("experience/new", job="Serveur", start="05/2022", end="01/2020")
    assert response.status_code == 422 and 'id="f-end-error"' in response.get_data(as_text=True)
    response = builder.post("education/new", title="CAP", start="13/2020")
    assert response.status_code == 422 and 'id="f-start-error"' in response.get_data(as_text=True)
    assert "Serveur" not in builder.get("experience")  # nothing refused was kept


def test_long_texts_are_refused_with_the_limit_and_kept(client) -> None:
    builder = Builder(client)
    text = "Très long. " * 400
    response = builder.post("about", about=text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "3000" in html and text.strip() in html


def test_fifty_experiences_stop_at_the_limit_with_a_message(client) -> None:
    builder = Builder(client)
    for n in range(50):
        response = builder.post("experience/new", kind="other", job=f"Mission {n}", start="2020")
        if n < LIMITS["experience"]:
            assert response.status_code == 303
        else:
            assert response.status_code == 422
            assert f"{LIMITS['experience']}" in response.get_data(as_text=True)
    page = builder.get("experience")
    assert page.count("Mission ") == LIMITS["experience"]
    assert f"Mission {LIMITS['experience'] - 1}" in page
    pdf = client.get("/fr/jobs/cv/document/pdf")
    assert pdf.status_code == 200 and "Mission 19" in pdf_text(pdf.data)


def test_a_photo_far_too_big_gets_the_readable_413_page(client) -> None:
    response = Builder(client).post("photo", photo=(io.BytesIO(b"\0" * (3 * PHOTO_MAX_BYTES + 1)), "x.jpg"))
    assert response.status_code == 413 and "<h1" in response.get_data(as_text=True)


def test_an_empty_cv_says_so_instead_of_an_empty_file(client) -> None:
    for kind in ("pdf", "odt"):
        response = client.get(f"/fr/jobs/cv/document/{kind}")
        assert response.status_code == 422
        assert "vide" in response.get_data(as_text=True) or "empty" in response.get_data(as_text=True)


def test_entries_can_be_changed_and_removed(client) -> None:
    builder = Builder(client)
    builder.save("education/new", title="CAP Cuisine", start="2019")
    builder.save("education/new", title="Cours de français", start="2024")
    page = builder.get("education/1")
    assert 'value="CAP Cuisine"' in page
    builder.save("education/1", title="CAP Cuisine (GRETA)", start="2019")
    builder.save("education/2/delete")
    listed = builder.get("education")
    assert "CAP Cuisine (GRETA)" in listed and "Cours de français" not in listed
    builder.get("education/2", status=404)
    builder.get("nothing-here", status=404)
    assert builder.post("education/9/delete").status_code == 404


def test_the_cover_letter_starts_from_the_cv(client) -> None:
    builder = Builder(client)
    fill_a_cv(builder)
    location = builder.save("cover-letter")
    assert location.endswith("/fr/flows/courrier-motivation/why")
    sender = client.get("/fr/flows/courrier-motivation/sender").get_data(as_text=True)
    assert 'value="Aïcha Benali"' in sender and "93100 Montreuil" in sender
    subject = client.get("/fr/flows/courrier-motivation/subject").get_data(as_text=True)
    assert "Candidature au poste d&#39;agent d&#39;entretien" in subject
    message = client.get("/fr/flows/courrier-motivation/message").get_data(as_text=True)
    assert "Hôtel du Parc" in message and "mars 2021" in message
    # What the resident already typed in the letter is not overwritten.
    token = csrf_of(sender)
    client.post("/fr/flows/courrier-motivation/sender",
                data={"csrf_token": token, "sender_name": "A. Benali", "sender_address": "Montreuil"})
    builder.save("cover-letter")
    sender = client.get("/fr/flows/courrier-motivation/sender").get_data(as_text=True)
    assert 'value="A. Benali"' in sender


def test_an_english_cv_from_arabic_screens(client) -> None:
    builder = Builder(client, lang="ar")
    fill_a_cv(builder, cv_language="en")
    page = builder.get("experience/new?kind=serveur")
    assert 'lang="en"' in page and "Welcoming customers and taking orders" in page
    text = flat(pdf_text(client.get("/ar/jobs/cv/document/pdf").data))
    for expected in ("Work experience", "Mother tongue: Arabic", "March 2021 – June 2023", "Since 2018",
                     "Cleaning and disinfecting"):
        assert expected.casefold() in text.casefold(), expected
    assert "expérience" not in text.casefold()


def test_nothing_survives_the_end_of_the_session(app, client) -> None:
    builder = Builder(client)
    fill_a_cv(builder)
    builder.save("photo", photo=(io.BytesIO(png()), "moi.png"))
    with app.app_context():
        assert CvDraft.select().count() == 1
    token = csrf_of(builder.get(""))
    client.post("/fr/session/end", data={"csrf_token": token})
    with app.app_context():
        assert CvDraft.select().count() == 0 and KioskSession.select().count() == 0
    assert client.get("/jobs/cv/photo.jpg").status_code == 404
    assert "Aïcha" not in client.get("/fr/jobs/cv/finish").get_data(as_text=True)


def test_months_periods_and_names() -> None:
    assert parse_month("3/2021") == (2021, 3) and parse_month("2021") == (2021, 0)
    assert parse_month("13/2021") is None and parse_month("03/21") is None
    same = lambda message: message  # noqa: E731 - the source language needs no catalog
    assert period("03/2021", "06/2023", "en", same) == "March 2021 – June 2023"
    assert period("03/2021", "", "en", same) == "Since March 2021"
    assert period("2019", "2019", "fr", same) == "2019"
    assert language_name("ar", "fr") == "Arabe" and language_name("uk", "en") == "Ukrainian"
    cv = CurriculumVitae.from_draft({"personal": {"first_name": "Zoé", "last_name": "Le Goff"}}, same)
    assert cv.file_name("pdf") == "CV-Le-Goff-Zoe.pdf"
    assert CurriculumVitae.from_draft({}, same).is_empty()
    assert {kind.id for kind in JOB_KIND_BY_ID.values()} >= {
        "agent-entretien", "aide-domicile", "employe-commerce", "preparateur-commandes", "serveur",
        "cuisinier", "agent-securite", "chauffeur-livreur", "manutentionnaire", "assistante-maternelle",
        "caissier", "employe-polyvalent", "aide-soignant", "macon", "agent-administratif"}
