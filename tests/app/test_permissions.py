"""The permission matrix: every route of the URL map, against anonymous, each role, the owner and another
member of the owner's role.

Expectations come from the rule each route declares (``@access`` beside it, read by core/policy.py) and
from who holds each object in a small world built once; the database is restored from a snapshot before
every route, so what one allowed request changes never leaks into the next. A route that declares no rule
fails here.
"""

import re
import sqlite3
from datetime import timedelta

import pytest

from join4atmp.accounts.models import UserSession
from join4atmp.accounts.tokens import create_api_token
from join4atmp.core import policy
from join4atmp.core.mail import OutboxMessage
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.matching.models import MatchRequest, RequestStatus
from join4atmp.profiles import services as profiles
from join4atmp.questions import services as questions
from join4atmp.webinars import services as webinars
from join4atmp.webinars.models import WebinarQuestion

from helpers import login, make_user

ACTORS = [
    "anonymous",
    "owner",
    "same_role",
    "regulator",
    "expert",
    "other_expert",
    "patient_org",
    "moderator",
    "organiser",
    "other_organiser",
    "admin",
]
SECURITY_HEADERS = ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"]

# Who may act on the world's objects (the confidential question, its answer, the match request, the draft
# webinar, the owner's own items), and who may merely see them: everyone else must get 404.
HOLDERS = {
    "question.read": {"owner", "expert", "moderator", "admin"},
    "question.asker": {"owner"},
    "question.edit": {"owner", "moderator", "admin"},
    "question.answer": {"expert"},
    "answer.edit": {"expert", "moderator", "admin"},
    "request.expert": {"expert"},
    "post.author": {"owner", "expert", "moderator", "admin"},
    "webinar.view": {"organiser", "admin"},
    "webinar.manage": {"organiser", "admin"},
    "own": {"owner"},
    "profile.view": {"owner"},
    "profile.listed": set(),
}
READERS = {
    "question.read": HOLDERS["question.read"],
    "question.asker": HOLDERS["question.read"],
    "question.edit": HOLDERS["question.read"],
    "question.answer": HOLDERS["question.read"],
    "answer.edit": HOLDERS["question.read"],
    "post.author": HOLDERS["question.read"],
    "request.expert": {"expert"},
    "webinar.view": HOLDERS["webinar.view"],
    "webinar.manage": HOLDERS["webinar.manage"],
    "own": {"owner"},
    "profile.view": {"owner"},
    "profile.listed": set(),
}


def _people():
    people = {
        "owner": make_user("owner@sme.example", organisation="SME Bio", is_listed=False),
        "same_role": make_user("other@biotech.example", organisation="Other Biotech"),
        "regulator": make_user("reg@agency.example", role="regulator", verified=True, organisation="Agency"),
        "expert": make_user("expert@clinic.example", role="clinician", organisation="Clinic"),
        "other_expert": make_user("expert2@hospital.example", role="clinician", organisation="Hospital"),
        "patient_org": make_user("patients@org.example", role="patient_org", organisation="Patients"),
        "moderator": make_user("mod@platform.example", organisation="Platform"),
        "organiser": make_user("org@patients.example", role="patient_org", organisation="Org One"),
        "other_organiser": make_user("org2@patients.example", role="patient_org", organisation="Org Two"),
        "admin": make_user("admin@platform.example", role="admin", organisation="Platform"),
    }
    people["moderator"].is_moderator_flag = True
    people["organiser"].is_organiser_flag = people["other_organiser"].is_organiser_flag = True
    db.session.commit()
    return people


def _objects(people):
    owner, expert = people["owner"], people["expert"]
    question = questions.create_question(
        owner,
        "Comparability after a vector supplier change",
        "Our process changed; what data will the authority expect?",
        ["gene-therapy"],
        "confidential",
    )
    request = MatchRequest(
        question=question,
        profile_id=expert.profile.id,
        rank=1,
        score=1.0,
        status=RequestStatus.ACCEPTED,
        deadline=utcnow() + timedelta(days=7),
    )
    db.session.add(request)
    db.session.commit()
    answer = questions.post_answer(question, expert, "Analytical comparability first, then a bridging study.")
    flag = questions.flag(owner, "Please check this answer.", answer=answer)
    webinar = webinars.create_webinar(
        people["organiser"],
        {
            "title": "Hospital exemption explained",
            "abstract": "How it works.",
            "audience": "Patient organisations",
            "speakers": "",
            "language": "en",
            "timezone": "Europe/Paris",
            "starts_at": (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0),
            "duration_minutes": 60,
            "registration_deadline": None,
            "capacity": 10,
            "join_url": "https://meet.example/x",
            "recording_url": "",
            "materials": "",
            "topics": ["hospital-exemption"],
        },
    )
    webinar_question = WebinarQuestion(webinar_id=webinar.id, author_id=people["patient_org"].id, text="When?")
    db.session.add(webinar_question)
    token, _ = create_api_token(owner, "laptop")
    publication = profiles.add_publication(owner.profile, "Vector comparability in practice", year=2024)
    interest = profiles.add_interest(owner.profile, "Acme Capital", "consultancy")
    message = OutboxMessage(kind="test", recipient=owner.email, subject="Hello", body_text="Hello")
    db.session.add(message)
    db.session.commit()
    return {
        "question_id": question.id,
        "answer_id": answer.id,
        "request_id": request.id,
        "webinar_id": webinar.id,
        "webinar_question_id": webinar_question.id,
        "token_id": token.id,
        "publication_id": publication.id,
        "interest_id": interest.id,
        "flag_id": flag.id,
        "message_id": message.id,
        "profile_id": owner.profile.id,
        "user_id": people["same_role"].id,
    }


def _url_values(endpoint, arguments, world):
    values = {}
    for name in arguments:
        if name == "question_id" and endpoint.startswith("webinars."):
            values[name] = world["webinar_question_id"]
        elif name == "item_id":
            values[name] = world["interest_id" if "interest" in endpoint else "publication_id"]
        elif name in world:
            values[name] = world[name]
        else:
            values[name] = {
                "kind": "answers",
                "post_id": world["answer_id"],
                "action": "hide",
                "duty": "moderator",
                "change": "grant",
                "token": "not-a-valid-token",
                "filename": "css/site.css",
                "purpose": "public_contact",
            }[name]
    return values


def _expected(rule, actor, has_object):
    """ "login", "hidden" (404), "denied" (403 or 404), "allowed" or "any"."""
    if rule.access != policy.PUBLIC and actor == "anonymous":
        return "login"
    if rule.access in policy.DUTIES and actor not in _duty_holders(rule.access):
        return "denied"
    if rule.object == "token" or rule.object is None or (rule.object == "own" and not has_object):
        return "allowed" if rule.object != "token" else "any"
    if rule.object == "profile.view" and actor == "admin":
        return "any"
    if actor in HOLDERS[rule.object]:
        return "allowed"
    return "denied" if actor in READERS[rule.object] else "hidden"


def _duty_holders(access):
    return {
        "moderator": {"moderator", "admin"},
        "organiser": {"organiser", "other_organiser", "admin"},
        "admin": {"admin"},
    }[access]


def _outcome(response):
    if response.status_code >= 500:
        return "error"
    if response.status_code == 401 or (response.status_code == 302 and "/login" in response.location):
        return "login"
    return {403: "denied", 404: "hidden"}.get(response.status_code, "allowed")


def _matches(expected, outcome):
    if expected == "any":
        return outcome not in ("error", "login", "denied")
    if expected == "denied":
        return outcome in ("denied", "hidden")
    return expected == outcome


@pytest.fixture
def world(app, model):
    people = _people()
    objects = _objects(people)
    clients = {"anonymous": app.test_client()}
    for actor, user in people.items():
        clients[actor] = app.test_client()
        response = login(clients[actor], user.email)
        assert response.status_code == 302 and "/login" not in response.location, actor
    objects["session_id"] = db.session.scalar(
        db.select(UserSession.id).where(UserSession.user_id == people["owner"].id)
    )
    cookies = {actor: client.get_cookie("session", domain="localhost") for actor, client in clients.items()}
    db.session.remove()
    snapshot = sqlite3.connect(":memory:")
    with db.engine.connect() as connection:
        connection.connection.driver_connection.backup(snapshot)
    yield objects, clients, cookies, snapshot
    snapshot.close()


def _restore(snapshot):
    db.session.remove()
    with db.engine.connect() as connection:
        snapshot.backup(connection.connection.driver_connection)
    db.engine.dispose()


def test_every_route_declares_an_access_rule(app):
    missing = sorted(rule.endpoint for rule in app.url_map.iter_rules() if policy.rule_for(rule.endpoint, app) is None)
    assert not missing, f"declare @access(...) on these endpoints: {missing}"


def test_an_unknown_level_or_object_rule_is_refused_when_the_route_is_declared():
    with pytest.raises(ValueError, match="unknown access level"):
        policy.access("logged-in")
    with pytest.raises(ValueError, match="unknown object rule"):
        policy.access("login", "question.reader")


def test_the_permission_matrix_over_every_route(app, world):
    objects, clients, cookies, snapshot = world
    failures, checked = [], 0
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        rule = policy.rule_for(url_rule.endpoint)
        assert rule is not None, url_rule.endpoint
        with app.test_request_context():
            from flask import url_for

            url = url_for(url_rule.endpoint, **_url_values(url_rule.endpoint, url_rule.arguments, objects))
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            for actor in ACTORS:
                _restore(snapshot)
                if cookies[actor] is not None:  # a logout before cleared it
                    clients[actor].set_cookie("session", cookies[actor].value, domain="localhost")
                response = clients[actor].open(url, method=method)
                expected = _expected(rule, actor, has_object=any(a.endswith("_id") for a in url_rule.arguments))
                outcome = _outcome(response)
                checked += 1
                if not _matches(expected, outcome):
                    failures.append(
                        f"{method} {url} as {actor}: expected {expected}, got "
                        f"{response.status_code} {response.location or ''}"
                    )
                missing = [h for h in SECURITY_HEADERS if h not in response.headers]
                if missing:
                    failures.append(f"{method} {url} as {actor}: no {missing}")
                response.close()
    assert not failures, f"{len(failures)} of {checked} checks failed:\n" + "\n".join(failures)
    assert checked > 500


def test_an_endpoint_without_a_rule_is_refused(app, client, monkeypatch):
    monkeypatch.delattr(app.view_functions["questions.index"], "access_rule")
    assert client.get("/questions").status_code == 403


def test_the_policy_refuses_before_the_view_runs(app, client, monkeypatch):
    """The declared rule alone keeps anonymous members out, even of a view that forgot its own check."""
    calls = []
    view = app.view_functions["matching.dashboard"]
    monkeypatch.setitem(
        app.view_functions, "matching.dashboard", policy.access("login")(lambda: calls.append(1) or "open")
    )
    assert client.get("/requests").status_code == 302 and not calls
    assert re.search(r"/login", client.get("/requests").location)
    assert view is not None
