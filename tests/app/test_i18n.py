"""Languages: English, French, German, Spanish and Italian for every page and email, a switcher, <html lang>;
every catalogue complete and true to its placeholders."""

import pytest
from babel.messages.pofile import read_po

from join4atmp import ROOT, config
from join4atmp.extensions import db

from helpers import login, make_user

TRANSLATED = sorted(set(config.LANGUAGES) - {"en"})


def catalogue(language):
    with open(ROOT / f"platform/join4atmp/translations/{language}/LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle)


def translation(language, message_id):
    return catalogue(language)[message_id].string


def test_english_by_default_and_french_from_the_browser(client):
    english = client.get("/login").data.decode()
    assert '<html lang="en">' in english and "Forgot your password?" in english
    french = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).data.decode()
    assert '<html lang="fr">' in french and "Mot de passe oublié" in french


def test_the_switcher_keeps_the_choice_and_returns_to_the_page(client):
    response = client.post("/language", data={"lang": "fr", "next": "/register"})
    assert response.status_code == 302 and response.headers["Location"] == "/register"
    page = client.get("/register").data.decode()
    assert '<html lang="fr">' in page and "Créer" in page
    assert client.post("/language", data={"lang": "tlh"}).status_code == 400
    assert client.post("/language", data={"lang": "en", "next": "https://evil.example"}).headers["Location"] == "/"


def test_a_logged_in_users_choice_is_saved_on_the_account(client):
    user = make_user("fr@uni.example")
    login(client, "fr@uni.example")
    client.post("/language", data={"lang": "fr"})
    db.session.refresh(user)
    assert user.locale == "fr"
    assert "Votre compte" in client.get("/account").data.decode()


def test_country_and_language_names_follow_the_interface_language(client):
    make_user("de@uni.example", country="DE", languages=["de"])
    assert "Germany" in client.get("/experts").data.decode()
    assert "Allemagne" in client.get("/experts", headers={"Accept-Language": "fr"}).data.decode()


def test_the_interface_offers_five_languages():
    assert list(config.LANGUAGES) == ["en", "fr", "de", "es", "it"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_keeps_its_placeholders(language):
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {ids[0]!r}"
        assert not message.fuzzy, f"fuzzy: {ids[0]!r}"
        for translated in strings:
            assert set(placeholder.findall(translated)) <= set(placeholder.findall(" ".join(ids))), ids[0]


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_language_is_served_from_the_browser_and_the_switcher(client, language):
    forgot = translation(language, "Forgot your password?")
    page = client.get("/login", headers={"Accept-Language": f"{language};q=0.9"}).get_data(as_text=True)
    assert f'<html lang="{language}">' in page and forgot in page and forgot != "Forgot your password?"
    client.post("/language", data={"lang": language, "next": "/register"})
    page = client.get("/register").get_data(as_text=True)
    assert f'<html lang="{language}">' in page and translation(language, "Create account") in page


def test_the_catalogue_covers_every_marked_string():
    """Extracting again finds nothing a catalogue lacks (run `make messages` to update)."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                str(ROOT / "babel.cfg"),
                "-k",
                "_l",
                "-o",
                str(pot),
                "--no-location",
                "platform",
                "templates",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with open(pot, "rb") as handle:
            wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for language in TRANSLATED:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(language) if m.id}
        assert sorted(wanted - have) == [], language
