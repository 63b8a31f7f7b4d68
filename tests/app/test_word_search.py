"""Word search in the directory and the questions list, on SQLite (FTS5) and PostgreSQL (tsvector + GIN):
several words in any order, accents folded, prefixes, phrases for hyphenated words, acronyms."""

import pytest

from join4atmp import create_app
from join4atmp.extensions import db
from join4atmp.questions import services as questions

from helpers import make_config, make_user


@pytest.fixture(params=["sqlite", "postgresql"])
def search_app(request, tmp_path):
    overrides = {}
    if request.param == "postgresql":
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres_database")
    app = create_app(make_config(tmp_path, **overrides))
    with app.app_context(), app.test_request_context("/"):
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def _found(client, path):
    return client.get(path).json


def test_the_directory_finds_every_word_in_any_order_with_accents_and_prefixes(search_app):
    make_user(
        "both@hospital.example",
        role="clinician",
        expertise="CAR-T manufacturing at the bedside. We prepare products under the hospital exemption.",
    )
    make_user("half@hospital.example", role="clinician", expertise="Hospital exemption for tissue products.")
    make_user("accent@agency.example", expertise="Évaluation des médicaments de thérapie innovante.")
    make_user("acronym@agency.example", role="regulator", verified=True, authority="AEMPS", expertise="Trials.")
    make_user("carton@uni.example", expertise="Cartilage repair with scaffolds; T cell assays.")
    client = search_app.test_client()

    def emails(q):
        return sorted(e["display_name"] for e in _found(client, f"/api/v1/experts?q={q}")["items"])

    assert emails("hospital exemption CAR-T") == ["Both"]
    assert emails("CAR-T") == ["Both"]  # a phrase of "car" and "t", not every word starting with t
    assert emails("exemption hospital") == ["Both", "Half"]
    assert emails("evaluation therapie") == ["Accent"] == emails("ÉVALUATION")
    assert emails("lenti") == [] and emails("scaff") == ["Carton"]
    assert emails("aemps") == ["Acronym"]
    page = client.get("/experts?q=hospital+exemption+CAR-T").get_data(as_text=True)
    assert "Both" in page and "Half" not in page


def test_the_questions_list_finds_words_and_follows_edits_and_deletions(search_app):
    asker = make_user("asker@sme.example")
    question = questions.create_question(
        asker,
        "Changing our lentiviral vector supplier",
        "What comparability data do we need?",
        ["gene-therapy"],
        "public",
    )
    questions.create_question(asker, "Secret supplier switch", "Lentiviral too.", ["gene-therapy"], "confidential")
    client = search_app.test_client()

    def titles(q):
        return [item["title"] for item in _found(client, f"/api/v1/questions?q={q}")["items"]]

    assert titles("lentiviral supplier") == ["Changing our lentiviral vector supplier"]  # never the confidential one
    questions.edit_question(question, asker, "Changing our AAV capsid supplier", question.body, question.topics)
    assert titles("lentiviral supplier") == [] and titles("capsid suppl") == ["Changing our AAV capsid supplier"]
    db.session.delete(question)
    db.session.commit()
    assert titles("capsid") == []
