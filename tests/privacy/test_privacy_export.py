"""Export (GDPR access and portability): every table that links to a member, and never a credential."""

import json

from sqlalchemy import select

from join4atmp.accounts.tokens import create_api_token
from join4atmp.core import audit
from join4atmp.core.audit import AuditEvent
from join4atmp.core.consent import PUBLIC_CONTACT, set_consent
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.matching.models import EvidencePassage, MatchRequest
from join4atmp.notifications.models import Notification
from join4atmp.privacy import export
from join4atmp.profiles.models import DeclaredInterest, Publication
from join4atmp.questions.models import (
    Answer,
    AnswerRevision,
    AnswerVote,
    Flag,
    Question,
    QuestionRevision,
    QuestionWatch,
)
from join4atmp.webinars import registrations
from join4atmp.webinars.models import WebinarQuestion, WebinarVote

from helpers import login, make_user, make_webinar

SECRET_TEXT = "correct horse battery"


def _tables_linked_to_user():
    """Every table with a foreign-key path to user.id, found independently of the export's own walk."""
    tables, reached, frontier = db.metadata.tables, {"user"}, ["user"]
    while frontier:
        parent = frontier.pop()
        for table in tables.values():
            if table.name not in reached and any(fk.column.table.name == parent for fk in table.foreign_keys):
                reached.add(table.name)
                frontier.append(table.name)
    return reached


def test_every_table_with_a_path_to_the_user_is_exported_or_explicitly_left_out(app):
    user = make_user("walker@uni.example")
    document = export.collect(user)
    not_included = {key.split(".")[0] for key in document["notes"]["not_included"]}
    missing = _tables_linked_to_user() - set(document["tables"]) - not_included
    assert not missing, f"tables linked to users but neither exported nor decided: {sorted(missing)}"
    # Every foreign key out of an exported table is decided: followed, or skipped with a reason.
    for child, column, parent, _ in export.edges():
        if parent.name in document["tables"] and parent.name != "user" and child.name != parent.name:
            assert (child.name, column) in export.FOLLOW | set(export.SKIP), f"undecided: {child.name}.{column}"
    assert {"user_session", "two_factor", "recovery_code"} & set(db.metadata.tables) <= set(document["tables"])


def _member_who_used_everything():
    me = make_user(
        "me@nordvector.example",
        display_name="Maja Nord",
        organisation="Nordvector AB",
        contact_email="contact@nordvector.example",
    )
    other = make_user("other@uni.example", display_name="Otto Other")
    profile = me.profile
    db.session.add_all(
        [
            Publication(profile=profile, title="Lentiviral comparability", year=2023),
            DeclaredInterest(profile=profile, organisation="Vector Supplier Oy", kind="consultancy"),
        ]
    )
    set_consent(me, PUBLIC_CONTACT, True)
    mine = Question(asker=me, title="Comparability after a supplier change", body="What data?")
    mine.topics = ["comparability"]
    theirs = Question(asker=other, title="Potency assays", body="Which assay?")
    db.session.add_all([mine, theirs])
    db.session.flush()
    my_answer = Answer(question=theirs, author=me, body="Use a functional assay.")
    their_answer = Answer(question=mine, author=other, body="Otto's private thoughts on comparability.")
    db.session.add_all([my_answer, their_answer])
    db.session.flush()
    db.session.add_all(
        [
            QuestionRevision(question_id=mine.id, editor_id=me.id, title="Old title", body="Old body"),
            AnswerRevision(answer_id=my_answer.id, editor_id=me.id, body="First draft"),
            AnswerVote(answer_id=their_answer.id, user_id=me.id),
            AnswerVote(answer_id=my_answer.id, user_id=other.id),
            QuestionWatch(question_id=theirs.id, user_id=me.id),
            QuestionWatch(question_id=mine.id, user_id=other.id),
            Flag(question_id=theirs.id, user_id=me.id, reason="Off topic"),
            Notification(user_id=me.id, kind="new_answer", text="New answer", url="/questions/1"),
            EvidencePassage(
                profile_id=profile.id, source="statement", text="Viral vectors.", model="m", vector=b"\x00" * 16
            ),
            MatchRequest(question_id=theirs.id, profile_id=profile.id, rank=1, score=0.9, deadline=utcnow()),
        ]
    )
    audit.record(me, "user.login", me)
    db.session.commit()
    create_api_token(me, "script")
    webinar = make_webinar(capacity=5)
    registrations.register_for_webinar(me, webinar, needs="Sign language interpretation")
    registrations.register_for_webinar(other, webinar)
    ahead = WebinarQuestion(webinar=webinar, author=me, text="Will the recording be subtitled?")
    db.session.add(ahead)
    db.session.flush()
    db.session.add(WebinarVote(question_id=ahead.id, user_id=other.id))
    db.session.commit()
    return me, other


def test_the_download_holds_the_members_rows_and_not_others_or_secrets(app, client):
    me, other = _member_who_used_everything()
    login(client, "me@nordvector.example")
    assert b'action="/privacy/data/export"' in client.get("/privacy/data").data
    response = client.post("/privacy/data/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.data.decode()
    data = json.loads(text)
    tables = data["tables"]

    assert tables["user"] == [tables["user"][0]] and tables["user"][0]["email"] == "me@nordvector.example"
    assert tables["expert_profile"][0]["contact_email"] == "contact@nordvector.example"
    for name in (
        "profile_topic",
        "profile_language",
        "publication",
        "declared_interest",
        "consent",
        "question",
        "question_topic",
        "question_revision",
        "answer",
        "answer_revision",
        "answer_vote",
        "question_watch",
        "flag",
        "notification",
        "api_token",
        "audit_event",
        "registration",
        "webinar_question",
        "evidence_passage",
        "match_request",
    ):
        assert tables[name], f"{name} is empty"
    assert tables["registration"][0]["needs"] == "Sign language interpretation"
    # Only the member's rows: not others' answers, votes, watches or registrations.
    assert "Otto's private thoughts" not in text and "other@uni.example" not in text
    assert {row["user_id"] for row in tables["answer_vote"] + tables["question_watch"]} == {me.id}
    assert {row["user_id"] for row in tables["registration"]} == {me.id}
    assert tables["webinar_vote"] == []
    # Never credentials, never vectors (said so in the notes).
    assert me.password_hash not in text
    assert "password_hash" not in tables["user"][0] and "token_hash" not in tables["api_token"][0]
    assert "vector" not in tables["evidence_passage"][0]
    assert "evidence_passage" in data["notes"]["omitted_columns"]
    for rows in tables.values():
        for row in rows:
            assert not any(export.is_secret_column(column) for column in row)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.export")).one().actor_id == me.id


def test_new_credential_tables_are_exported_without_their_secrets(app):
    me = make_user("secrets@uni.example")
    tables = db.metadata.tables
    rows = {
        "user_session": {"token_hash": "f" * 64, "ip": "192.0.2.7"},
        "recovery_code": {"salt": "s" * 32, "code_hash": "c" * 64},
        "two_factor": {"secret_encrypted": "ENCRYPTED-SECRET"},
    }
    present = [name for name in rows if name in tables]
    for name in present:
        db.session.execute(tables[name].insert().values(user_id=me.id, **rows[name]))
    db.session.commit()
    text = json.dumps(export.collect(me))
    for name in present:
        assert export.collect(me)["tables"][name], name
    for secret in ("f" * 64, "c" * 64, "s" * 32, "ENCRYPTED-SECRET"):
        assert secret not in text
    if "user_session" in present:
        assert "192.0.2.7" in text  # where one was signed in from is the member's data


def test_the_export_is_a_csrf_protected_post(app, client):
    make_user("csrf@uni.example")
    login(client, "csrf@uni.example")
    assert client.get("/privacy/data/export").status_code == 405
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/privacy/data/export").status_code == 400
