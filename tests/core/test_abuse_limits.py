"""Abuse limits on asking, matching and webinar registration: per member and per address, counted in the
database so that they hold across worker processes (a second app on the same database stands for one)."""

from datetime import timedelta

import pytest

from join4atmp import create_app
from join4atmp.accounts.tokens import create_api_token
from join4atmp.extensions import db
from join4atmp.questions.models import Question

from helpers import login, make_config, make_user, make_webinar

TIGHT = {
    "question": {"user": (2, timedelta(days=1)), "ip": (3, timedelta(days=1))},
    "match": {"user": (2, timedelta(hours=1)), "ip": (100, timedelta(hours=1))},
    "webinar_registration": {"user": (2, 3600), "ip": (100, 3600)},  # seconds, as from the environment
}
ASK = {
    "title": "Comparability after changing the lentiviral vector supplier",
    "body": "Our CAR-T product moved to a new vector supplier. What data will the authority expect?",
    "topics": ["comparability"],
    "visibility": "public",
}


@pytest.fixture
def app_config(tmp_path):
    return make_config(tmp_path, ABUSE_LIMITS=TIGHT)


def _second_worker(tmp_path):
    return create_app(make_config(tmp_path, ABUSE_LIMITS=TIGHT))


def test_asking_is_limited_per_member_across_workers_and_the_api(app, client, model, tmp_path):
    user = make_user("asker@sme.example")
    _, token = create_api_token(user, "script")
    login(client, user.email)
    assert client.post("/ask", data=ASK).status_code == 302
    other = _second_worker(tmp_path)
    with other.app_context():
        second = other.test_client()
        login(second, user.email)
        assert second.post("/ask", data=ASK).status_code == 302
        refused = second.post("/ask", data=ASK)
        assert refused.status_code == 429 and b"too often" in refused.data
        db.session.remove()
    response = client.post(
        "/api/v1/questions",
        json={"title": ASK["title"], "body": ASK["body"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 429 and "too often" in response.get_json()["error"]["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 2


def test_refused_questions_do_not_use_up_the_allowance(app, client, model):
    make_user("asker@sme.example")
    login(client, "asker@sme.example")
    for _ in range(3):
        assert client.post("/ask", data={**ASK, "title": "?"}).status_code == 400
    assert client.post("/ask", data=ASK).status_code == 302


def test_asking_is_limited_per_address(app, model):
    for number in range(4):
        make_user(f"member{number}@uni{number}.example")
    statuses = []
    for number in range(4):
        client = app.test_client()
        login(client, f"member{number}@uni{number}.example")
        statuses.append(client.post("/ask", data=ASK).status_code)
    assert statuses == [302, 302, 302, 429]


def test_matching_through_the_api_is_limited(app, client, model):
    user = make_user("asker@sme.example")
    _, token = create_api_token(user, "script")
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [
        client.post("/api/v1/match", json={"text": "vector comparability"}, headers=headers).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_webinar_registration_is_limited(app, client):
    webinar = make_webinar(capacity=10)
    make_user("patients@org.example", role="patient_org")
    login(client, "patients@org.example")
    url = f"/webinars/{webinar.id}"
    assert client.post(f"{url}/register", data={"seats": 1}).status_code == 302
    assert client.post(f"{url}/cancel-registration").status_code == 302
    assert client.post(f"{url}/register", data={"seats": 1}).status_code == 302
    assert client.post(f"{url}/cancel-registration").status_code == 302
    refused = client.post(f"{url}/register", data={"seats": 1})
    assert refused.status_code == 429 and b"too often" in refused.data
