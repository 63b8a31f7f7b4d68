"""Erasure (GDPR right to erasure): nothing personal remains, the account is dead, the expert is gone from
the index at once, freed webinar places go to the waiting list, public answers stay as "Former member"."""

from sqlalchemy import JSON, String, Text, cast, or_, select

from join4atmp import embedding
from join4atmp.accounts.models import User
from join4atmp.core.audit import AuditEvent
from join4atmp.core.mail import queue_email
from join4atmp.extensions import db
from join4atmp.matching import indexing
from join4atmp.matching.services import MatchQuery, find_experts, rank_candidates
from join4atmp.notifications.models import Notification
from join4atmp.profiles.models import DeclaredInterest, Publication
from join4atmp.questions import services as questions
from join4atmp.questions.models import Answer, Question
from join4atmp.webinars import questions as webinar_questions
from join4atmp.webinars import registrations
from join4atmp.webinars.models import Registration, RegistrationStatus

from helpers import PASSWORD, IsolatedClient, login, make_user, make_webinar

EMAIL, NAME, ORGANISATION, CONTACT = (
    "erika@erasmus-lab.example",
    "Dr Erika Quillfeather",
    "Erasmus Vector Laboratory",
    "hello@erasmus-lab.example",
)
EXPERTISE = (
    "Quality assessor for lentiviral vector comparability after a change of vector supplier, "
    "and the analytical data competent authorities expect."
)


def make_erika():
    user = make_user(
        EMAIL,
        role="clinician",
        display_name=NAME,
        organisation=ORGANISATION,
        contact_email=CONTACT,
        hospital=f"{ORGANISATION} Hospital",
        expertise=EXPERTISE,
    )
    db.session.add_all(
        [
            Publication(profile=user.profile, title=f"{NAME}: vector comparability", year=2024),
            DeclaredInterest(profile=user.profile, organisation=ORGANISATION, kind="employment"),
        ]
    )
    db.session.commit()
    return user


def erase(client, remove=False, password=PASSWORD):
    data = {"password": password, "confirm": "y"}
    if remove:
        data["remove_contributions"] = "y"
    return client.post("/privacy/data/erase", data=data)


def strings_containing(*needles):
    """(table, column, value) for every text or JSON value in the database that contains a needle."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        for column in columns:
            text = cast(column, Text)
            hits = db.session.execute(select(text).where(or_(*(text.contains(n) for n in needles)))).scalars()
            found += [(table.name, column.name, value) for value in hits]
    return found


def test_after_erasure_no_personal_field_remains_and_the_account_is_dead(app, client, model):
    erika = make_erika()
    other = make_user("other@uni.example", display_name="Otto Other")
    login(client, EMAIL)
    client.post(
        "/profile",
        data={
            "display_name": NAME,
            "organisation": ORGANISATION,
            "country": "DE",
            "expertise": EXPERTISE,
            "max_open_requests": "3",
            "is_listed": "y",
            "contact_email": CONTACT,
            "show_contact": "y",
        },
    )
    # (what she wrote in a public post she keeps is hers to remove with the box: not written here)
    public = questions.create_question(erika, "Comparability after a supplier change", "What data?")
    secret = questions.create_question(
        erika, "Confidential: our vector supplier change", f"{ORGANISATION} internal data", visibility="confidential"
    )
    theirs = questions.create_question(other, "Potency assay for CAR-T", "Which assay do authorities expect?")
    questions.post_answer(theirs, erika, "A functional cytotoxicity assay, qualified before phase II.")
    questions.post_answer(public, other, "Otto's answer to the public question.")
    questions.flag(erika, "Please check this", question=theirs)
    queue_email(EMAIL, f"Hello {NAME}", "notification", note=Notification(text="x", url="/"))
    db.session.commit()
    webinar = make_webinar(capacity=5)
    registrations.register_for_webinar(erika, webinar, needs=f"{NAME} needs captions")
    webinar_questions.ask_question(webinar, erika, "Will the recording have subtitles for everyone?")
    erika_id, secret_id = erika.id, secret.id
    second = IsolatedClient(app)  # another browser where she is signed in
    login(second, EMAIL)
    assert second.get("/privacy/data").status_code == 200

    assert erase(client).status_code == 302
    assert strings_containing(EMAIL, NAME, ORGANISATION, CONTACT) == []
    user = db.session.get(User, erika_id)
    assert user.email == f"erased-{erika_id}@invalid" and not user.is_active and user.profile is None
    assert db.session.get(Question, secret_id) is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.erase")).one()
    assert event.actor_id == erika_id and event.object_id == erika_id
    assert db.session.scalars(select(Registration)).one().user_id is None
    assert login(client, EMAIL).status_code != 302  # cannot log in
    assert login(client, user.email).status_code != 302
    response = second.get("/privacy/data")  # the other session has ended
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for table in (
        "user_session",
        "api_token",
        "two_factor",
        "recovery_code",
        "notification",
        "question_watch",
        "flag",
        "answer_vote",
    ):
        if table in db.metadata.tables:
            rows = db.session.execute(select(db.metadata.tables[table])).mappings().all()
            assert all(row.get("user_id") != erika_id for row in rows), table


def test_a_wrong_password_erases_nothing(app, client):
    make_erika()
    login(client, EMAIL)
    response = erase(client, password="not my password")
    assert response.status_code == 400 and b"password is not correct" in response.data
    assert db.session.scalars(select(User).where(User.email == EMAIL)).one().profile is not None
    assert erase(client, password=PASSWORD).status_code == 302


def test_the_erased_expert_leaves_the_index_at_once_without_a_reindex(app, client, model):
    erika = make_erika()
    make_user("other@uni.example", expertise="Cartilage repair with a collagen scaffold in the knee.")
    indexing.reindex_all()
    profile_id, vector = erika.profile.id, embedding.encoder().encode_one(EXPERTISE)
    assert profile_id in [pid for pid, _ in rank_candidates(vector)]
    assert find_experts(MatchQuery(text=EXPERTISE, k=1))[0].profile.id == profile_id
    app.config["MATCHING_INDEX_ON_CHANGE"] = False  # no re-embedding behind the test's back
    login(client, EMAIL)
    assert erase(client).status_code == 302
    assert profile_id not in [pid for pid, _ in rank_candidates(vector)]
    assert profile_id not in [m.profile.id for m in find_experts(MatchQuery(text=EXPERTISE, k=5))]


def test_her_place_goes_to_the_first_person_waiting(app, client):
    erika = make_erika()
    waiting = make_user("waiting@uni.example")
    webinar = make_webinar(capacity=1)
    assert registrations.register_for_webinar(erika, webinar).status == RegistrationStatus.CONFIRMED
    queued = registrations.register_for_webinar(waiting, webinar)
    assert queued.status == RegistrationStatus.WAITLISTED
    login(client, EMAIL)
    assert erase(client).status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, queued.id).status == RegistrationStatus.CONFIRMED


def _answered_question(erika, model):
    asker = make_user("asker@uni.example", display_name="Ada Asker")
    question = questions.create_question(asker, "Hospital exemption for CAR-T in Germany", "Is it possible?")
    answer = questions.post_answer(question, erika, "Yes, under section 4b of the AMG, with a manufacturing licence.")
    return question.id, answer.id


def test_her_public_answer_stays_under_former_member(app, client, model):
    erika = make_erika()
    question_id, answer_id = _answered_question(erika, model)
    assert NAME in client.get(f"/questions/{question_id}").data.decode()
    login(client, EMAIL)
    assert erase(client).status_code == 302
    page = client.get(f"/questions/{question_id}").data.decode()
    assert "section 4b of the AMG" in page and "Former member" in page and NAME not in page
    assert db.session.get(Answer, answer_id) is not None


def test_with_the_box_ticked_her_public_answers_and_questions_are_removed(app, client, model):
    erika = make_erika()
    question_id, answer_id = _answered_question(erika, model)
    own = questions.create_question(erika, "Her own unanswered public question", "Any views?")
    answered = questions.create_question(erika, "Her answered public question", "Her private wording")
    other = db.session.scalars(select(User).where(User.email == "asker@uni.example")).one()
    kept_answer = questions.post_answer(answered, other, "An answer by someone else that stays.")
    own_id, answered_id, kept_id = own.id, answered.id, kept_answer.id
    login(client, EMAIL)
    assert erase(client, remove=True).status_code == 302
    page = client.get(f"/questions/{question_id}").data.decode()
    assert "section 4b of the AMG" not in page and db.session.get(Answer, answer_id) is None
    assert db.session.get(Question, own_id) is None
    blanked = db.session.get(Question, answered_id)
    assert "Her private wording" not in blanked.body and "Her answered" not in blanked.title
    assert db.session.get(Answer, kept_id) is not None  # others' answers are theirs


def test_erasure_also_clears_files_and_evidence_drawn_from_her_questions(app, client, model):
    """Issue 13, item 4: .eml files in the outbox, the index cache on disk, and another expert's evidence
    (an accepted answer carries its question's title) kept her data."""
    from pathlib import Path

    from join4atmp.matching.models import EvidencePassage

    erika = make_erika()
    answerer = make_user("answerer@pei.example", role="regulator", expertise="Comparability of vectors.")
    asked = questions.create_question(erika, "Zebrafinch vector comparability after a move", "What data?")
    answer = questions.post_answer(asked, answerer, "Side-by-side release data on three batches.")
    questions.accept_answer(asked, answer, erika)
    indexing.reindex_all()
    outbox = Path(app.instance_path) / "outbox"
    assert any(EMAIL.encode() in path.read_bytes() for path in outbox.glob("*.eml"))
    cache = indexing.live_index().cache_path
    assert cache.with_suffix(".faiss").exists()
    assert db.session.scalars(select(EvidencePassage).where(EvidencePassage.text.contains("Zebrafinch"))).all()

    login(client, EMAIL)
    assert erase(client, remove=True).status_code == 302
    assert not [p.name for p in outbox.glob("*.eml") if EMAIL.encode() in p.read_bytes()]
    assert not cache.with_suffix(".faiss").exists() and not cache.with_suffix(".npz").exists()
    db.session.expire_all()
    assert not db.session.scalars(select(EvidencePassage).where(EvidencePassage.text.contains("Zebrafinch"))).all()
    assert db.session.scalars(
        select(EvidencePassage).where(EvidencePassage.profile_id == answerer.profile.id)
    ).all()  # rebuilt, not dropped
