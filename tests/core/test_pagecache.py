"""Read pages kept by each process (core/pagecache.py): served again only while the database's generation
has not moved and for at most PAGE_CACHE_SECONDS, per viewer, with the viewer's own CSRF token; and, through
gunicorn with two worker processes, a write made by another process shows on every worker's next page."""

import re
from datetime import timedelta

import freezegun
import pytest
from sqlalchemy import insert, update

from join4atmp import create_app
from join4atmp.core import pagecache
from join4atmp.core.ratelimit import RateLimitHit
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.profiles.models import ExpertProfile
from join4atmp.questions.models import Question, QuestionStatus, Visibility

from helpers import login, make_config, make_user
from processes import Visitor, app_env, start_web

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _rename(profile_id, name, **options):
    db.session.execute(
        update(ExpertProfile).where(ExpertProfile.id == profile_id).values(display_name=name), execution_options=options
    )
    db.session.commit()


def test_a_committed_write_moves_the_generation_and_reading_pages_does_not(app, client):
    expert = make_user("anna@vector.example", display_name="Anna Berg")
    before = pagecache.generation()
    for path in ("/", "/experts", f"/experts/{expert.profile.id}", "/questions", "/webinars", "/api/v1/experts"):
        assert client.get(path).status_code == 200
    assert pagecache.generation() == before

    expert.profile.organisation = "Vector Institute"
    db.session.commit()
    assert pagecache.generation() == before + 1
    _rename(expert.profile.id, "Anna B.")  # a bulk UPDATE statement counts too
    assert pagecache.generation() == before + 2
    expert.verified_at = db.func.now()  # and a value the database computes
    db.session.commit()
    assert pagecache.generation() == before + 3


def test_unshown_tables_neutral_statements_and_rollbacks_leave_the_generation(app):
    expert = make_user("anna@vector.example")
    before = pagecache.generation()
    db.session.execute(insert(RateLimitHit).values(key="login:1.2.3.4", created_at=utcnow()))
    db.session.commit()
    _rename(expert.profile.id, "Quietly renamed", **{pagecache.NEUTRAL: True})
    expert.profile.organisation = "Rolled back"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert pagecache.generation() == before


def test_the_directory_shows_a_change_at_once_and_serves_the_stored_page_meanwhile(app, client):
    expert = make_user("anna@vector.example", display_name="Anna Berg")
    store = app.extensions[pagecache.EXTENSION]
    assert b"Anna Berg" in client.get("/experts").data
    hits = store.hits
    assert b"Anna Berg" in client.get("/experts").data
    assert store.hits == hits + 1

    expert.profile.display_name = "Anna Lindqvist"
    db.session.commit()
    page = client.get("/experts").data
    assert b"Anna Lindqvist" in page and b"Anna Berg" not in page


def test_a_stored_page_is_served_for_page_cache_seconds_at_most(app, client):
    expert = make_user("anna@vector.example", display_name="Anna Berg")
    with freezegun.freeze_time(utcnow()) as clock:
        assert b"Anna Berg" in client.get("/experts").data
        _rename(expert.profile.id, "Anna Lindqvist", **{pagecache.NEUTRAL: True})  # a change the store misses
        clock.tick(timedelta(seconds=app.config["PAGE_CACHE_SECONDS"] - 1))
        assert b"Anna Berg" in client.get("/experts").data
        clock.tick(timedelta(seconds=2))
        assert b"Anna Lindqvist" in client.get("/experts").data


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_every_visitor_of_a_stored_page_gets_a_csrf_token_of_their_own_session(app):
    make_user("anna@vector.example")
    tokens = []
    for _ in range(3):  # the first renders the page, the others are served the stored one
        visitor = app.test_client()
        token = CSRF.search(visitor.get("/experts").get_data(as_text=True)).group(1)
        tokens.append(token)
        answer = visitor.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/experts"})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
        assert '<html lang="fr"' in visitor.get("/experts").get_data(as_text=True)  # not the stored English page
    assert len(set(tokens)) == 3
    assert app.extensions[pagecache.EXTENSION].hits >= 2


def test_a_waiting_message_is_shown_not_a_stored_page(app, client):
    make_user("dev@uni.example")
    login(client, "dev@uni.example")
    assert client.get("/account").status_code == 200
    answer = client.post("/account/notifications", data={"notification_mode": "digest"}, follow_redirects=True)
    assert answer.status_code == 200 and b"flash" in answer.data


def test_pages_are_kept_per_viewer_and_access_is_checked_before_the_store(app):
    asker = make_user("sme@biotech.example", display_name="Sara Asker")
    make_user("other@uni.example", display_name="Olaf Other")
    question = Question(
        asker=asker,
        title="Confidential comparability plan",
        body="Our process change.",
        visibility=Visibility.CONFIDENTIAL,
        status=QuestionStatus.OPEN,
    )
    db.session.add(question)
    db.session.commit()
    mine, theirs = app.test_client(), app.test_client()
    login(mine, "sme@biotech.example")
    login(theirs, "other@uni.example")
    for _ in range(2):
        assert b"sme@biotech.example" in mine.get("/account").data
        assert b"other@uni.example" in theirs.get("/account").data
        assert mine.get(f"/questions/{question.id}").status_code == 200
        assert theirs.get(f"/questions/{question.id}").status_code == 404
        assert app.test_client().get(f"/questions/{question.id}").status_code == 404
        assert theirs.get(f"/api/v1/questions/{question.id}").status_code == 404


def _names_served(base, times=16) -> set[bytes]:
    """The expert names /experts shows to ``times`` anonymous visitors, each on a new connection."""
    pages = [Visitor(base).get("/experts") for _ in range(times)]
    assert {status for status, _ in pages} == {200}
    return {name for _, body in pages for name in re.findall(rb"Anna [A-Z][a-z]+", body)}


def _two_workers_then_a_write(tmp_path, url):
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=url, SERVER_NAME=None))
    with app.app_context():
        db.create_all()
        profile_id = make_user("anna@vector.example", display_name="Anna Berg").profile.id
        env = app_env(tmp_path / "instance", url, WTF_CSRF_ENABLED=False, QUEUE_IMMEDIATE=False)
        web, base = start_web(env, tmp_path / "web.log", workers=2)
        try:
            assert _names_served(base) == {b"Anna Berg"}  # both workers now hold the page
            profile = db.session.get(ExpertProfile, profile_id)
            profile.display_name = "Anna Lindqvist"  # this process is neither worker
            db.session.commit()
            assert _names_served(base) == {b"Anna Lindqvist"}
            assert b"Traceback" not in (tmp_path / "web.log").read_bytes()
        finally:
            web.stop()
            db.session.remove()
            db.engine.dispose()


@pytest.mark.timeout(180)
def test_two_gunicorn_workers_never_serve_a_page_older_than_another_process_write(tmp_path):
    _two_workers_then_a_write(tmp_path, f"sqlite:///{tmp_path / 'pages.db'}")


@pytest.mark.timeout(180)
def test_the_same_on_postgresql(tmp_path, postgres_database):
    _two_workers_then_a_write(tmp_path, postgres_database)
