"""Demo data: enough realistic experts, loaded once, visible in the directory and API."""

import json

from sqlalchemy import func, select

from join4atmp.accounts.models import User
from join4atmp.core import taxonomy
from join4atmp.demo.services import DATA_FILE, demo_logins
from join4atmp.extensions import db


def test_demo_data_is_valid_and_varied():
    experts = json.loads(DATA_FILE.read_text())["experts"]
    assert len(experts) >= 60
    assert len({e["country"] for e in experts}) >= 15
    assert {e["role"] for e in experts} == {"regulator", "developer", "clinician", "patient_org"}
    assert len({e["email"] for e in experts}) == len(experts)
    for entry in experts:
        assert entry["country"] in taxonomy.COUNTRY_CODES
        assert set(entry["topics"]) <= set(taxonomy.TOPICS)
        assert set(entry["languages"]) <= set(taxonomy.LANGUAGE_CODES)
        assert len(entry["expertise"].split()) >= 40, entry["email"]
        assert "lorem" not in json.dumps(entry).lower()


def test_loading_twice_does_not_duplicate(runner, client):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(select(func.count()).select_from(User))
    assert count >= 61
    second = runner.invoke(args=["demo", "load"])
    assert "0 accounts created" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == count
    assert "already has users" in runner.invoke(args=["demo", "load", "--if-empty"]).output

    api = client.get("/api/v1/experts?per_page=200").json
    assert api["total"] >= 60
    assert len({item["country"] for item in api["items"]}) >= 15
    assert b"Paul-Ehrlich-Institut" in client.get("/experts?role=regulator").data
    questions = client.get("/api/v1/questions?answered=yes").json
    assert questions["total"] >= 4
    assert "0 demo Q&A threads and 0 demo webinars created" in second.output
    assert "CAR-T access across the EU" in client.get("/webinars").get_data(as_text=True)


def test_demo_logins_work(app, client):
    from join4atmp.demo.services import load_demo

    load_demo(app.config["DEMO_PASSWORD"])  # the accounts only: the command's embedding is tested above
    logins = demo_logins()
    assert {login["role"] for login in logins} == {"admin", "developer", "regulator", "clinician", "patient_org"}
    for login in logins:
        response = client.post("/login", data={"email": login["email"], "password": "join4atmp-demo"})
        assert response.status_code == 302, login
        client.post("/logout")
