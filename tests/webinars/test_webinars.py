"""Webinars: organisers create and publish them; members register, wait, cancel and get promoted; every
change that matters reaches people through the outbox, with calendar files a calendar program accepts."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from join4atmp.core.errors import DomainError
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.webinars import registrations, services
from join4atmp.webinars.models import Registration, RegistrationStatus, Webinar, WebinarStatus

from helpers import JOIN, ics_of, login, make_organiser, make_user, make_webinar, outbox, plain, webinar_values


@pytest.fixture(autouse=True)
def request_context(app):
    """Services render emails, which needs a request (web requests and cron commands both have one)."""
    with app.test_request_context("/"):
        yield


def status_of(registration):
    db.session.expire_all()
    return db.session.get(Registration, registration.id).status


# --- Organisers -------------------------------------------------------------------------------


def test_an_organiser_creates_a_draft_in_their_zone_and_publishes_it(app, client):
    make_organiser()
    login(client, "organiser@join4atmp.example")
    response = client.post(
        "/webinars/new",
        data={
            "title": "Potency assays for CAR-T",
            "abstract": "What authorities expect.",
            "language": "en",
            "timezone": "Europe/Paris",
            "starts_local": "2031-01-15T14:00",
            "duration_minutes": "90",
            "capacity": "50",
            "join_url": JOIN,
            "topics": ["potency-assays", "car-t"],
        },
    )
    assert response.status_code == 302
    webinar = db.session.scalar(db.select(Webinar))
    assert webinar.status == WebinarStatus.DRAFT
    assert webinar.starts_at.isoformat() == "2031-01-15T13:00:00"  # 14:00 CET is 13:00 UTC
    assert webinar.ends_at.isoformat() == "2031-01-15T14:30:00"
    assert webinar.topics == ["car-t", "potency-assays"]

    anonymous = app.test_client()
    assert anonymous.get(f"/webinars/{webinar.id}").status_code == 404  # drafts are secret
    assert "Potency assays for CAR-T" not in anonymous.get("/webinars").data.decode()
    assert "Potency assays for CAR-T" in client.get("/webinars").data.decode()  # "Your drafts"

    assert client.post(f"/webinars/{webinar.id}/publish").status_code == 302
    page = anonymous.get(f"/webinars/{webinar.id}").data.decode()
    assert "Potency assays for CAR-T" in page and JOIN not in page
    assert "Potency assays for CAR-T" in anonymous.get("/webinars").data.decode()


def test_the_edit_form_shows_local_times_and_rejects_bad_input_with_400(app, client):
    organiser = make_organiser()
    webinar = make_webinar(
        organiser, starts_at=utcnow().replace(year=2031, month=7, day=1, hour=12, minute=0, second=0, microsecond=0)
    )
    login(client, organiser.email)
    form = client.get(f"/webinars/{webinar.id}/edit").data.decode()
    assert 'value="2031-07-01T14:00"' in form  # 12:00 UTC is 14:00 in Paris in summer
    base = {
        "title": "Hospital exemption",
        "language": "en",
        "timezone": "Europe/Paris",
        "duration_minutes": "60",
        "capacity": "20",
        "starts_local": "2031-07-01T14:00",
    }
    cases = [
        ({"starts_local": "2031-03-30T02:30"}, "does not exist"),  # the clocks go forward that night
        ({"starts_local": "2001-01-01T10:00"}, "must be in the future"),
        ({"starts_local": "tomorrow at ten"}, "Not a valid datetime"),
        ({"capacity": "0"}, "Number must be between"),
        ({"timezone": "Mars/Olympus"}, "Not a valid choice"),
        ({"join_url": "javascript:alert(1)"}, "https://"),
        ({"deadline_local": "2031-07-02T10:00"}, "close before the webinar starts"),
    ]
    for change, message in cases:
        response = client.post(f"/webinars/{webinar.id}/edit", data={**base, **change})
        assert response.status_code == 400, change
        assert message in response.data.decode(), change
    assert client.post("/webinars/new", data={}).status_code == 400


def test_organiser_pages_are_for_organisers_who_manage_the_webinar(app):
    owner = make_organiser()
    other = make_organiser("other@join4atmp.example", display_name="Other Organiser")
    make_user("member@patients.example", role="patient_org")
    admin = make_user("admin@join4atmp.example", role="admin")
    draft = make_webinar(owner, publish=False)
    published = make_webinar(owner, title="Published webinar on PRIME")
    pages = [
        "/webinars/{id}/manage",
        "/webinars/{id}/edit",
        "/webinars/{id}/themes",
        "/webinars/{id}/cancel",
        "/webinars/{id}/registrants.csv",
    ]
    posts = [
        "/webinars/{id}/publish",
        "/webinars/{id}/delete",
        "/webinars/{id}/attendance",
        "/webinars/{id}/message",
        "/webinars/{id}/publish-answers",
    ]

    anonymous = app.test_client()
    assert anonymous.get("/webinars/new").status_code == 302
    assert "/login" in anonymous.get(pages[0].format(id=published.id)).headers["Location"]

    member = app.test_client()
    login(member, "member@patients.example")
    assert member.get("/webinars/new").status_code == 403
    for path in pages + posts:
        target = path.format(id=published.id)
        status = (member.post(target) if path in posts else member.get(target)).status_code
        assert status == 403, target
    assert member.get(f"/webinars/{draft.id}").status_code == 404

    colleague = app.test_client()
    login(colleague, other.email)
    assert colleague.get(f"/webinars/{draft.id}/manage").status_code == 404  # someone else's draft
    assert colleague.get(f"/webinars/{published.id}/manage").status_code == 403
    assert colleague.post(f"/webinars/{published.id}/edit", data={"title": "Hijacked"}).status_code == 403
    assert colleague.get("/webinars/999999/manage").status_code == 404

    boss = app.test_client()
    login(boss, admin.email)
    assert boss.get(f"/webinars/{draft.id}/manage").status_code == 200
    assert boss.get(f"/webinars/{published.id}/registrants.csv").status_code == 200
    db.session.refresh(published)
    assert published.title == "Published webinar on PRIME"


def test_a_draft_can_be_deleted_but_a_published_webinar_only_cancelled(app, client):
    organiser = make_organiser()
    draft_id, published_id = make_webinar(organiser, publish=False).id, make_webinar(organiser).id
    login(client, organiser.email)
    assert client.post(f"/webinars/{draft_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Webinar, draft_id) is None
    response = client.post(f"/webinars/{published_id}/delete", follow_redirects=True)
    assert "Only a draft can be deleted" in response.data.decode()
    assert db.session.get(Webinar, published_id) is not None


# --- Registering, the waiting list, cancelling -----------------------------------------------------


def test_registering_confirms_a_place_with_a_calendar_request(app, client):
    webinar = make_webinar()
    user = make_user("luc@patients.example", role="patient_org", display_name="Luc Martin")
    login(client, user.email)
    assert JOIN not in client.get(f"/webinars/{webinar.id}").data.decode()
    response = client.post(f"/webinars/{webinar.id}/register", data={"seats": "1", "needs": "Subtitles please"})
    assert response.status_code == 302
    page = client.get(f"/webinars/{webinar.id}").data.decode()
    assert "You are registered" in page and JOIN in page

    [mail] = outbox("webinar_confirmed")
    assert mail.recipient == "luc@patients.example" and "Hospital exemption" in mail.subject
    assert JOIN in mail.body_text and f"/webinars/{webinar.id}" in mail.body_text
    calendar = ics_of(mail)
    [event] = calendar.events
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == f"webinar-{webinar.id}@join4atmp" and int(event["sequence"]) == 0
    assert event.start.utcoffset() == timedelta(0) and event.start.replace(tzinfo=None) == webinar.starts_at
    assert event.end.replace(tzinfo=None) == webinar.starts_at + timedelta(minutes=60)
    assert str(event["attendee"]) == "mailto:luc@patients.example" and JOIN in str(event["description"])
    assert str(event["status"]) == "CONFIRMED"
    db.session.refresh(webinar)
    assert webinar.seats_taken == 1
    assert db.session.scalar(db.select(Registration)).needs == "Subtitles please"

    again = client.post(f"/webinars/{webinar.id}/register", data={"seats": "1"})
    assert again.status_code == 400 and "already registered" in again.data.decode()
    db.session.refresh(webinar)
    assert webinar.seats_taken == 1


def test_a_full_webinar_waitlists_and_a_cancellation_promotes_the_first_in_line(app):
    webinar = make_webinar(capacity=1)
    first, second, third = (make_user(f"{n}@patients.example") for n in ("first", "second", "third"))
    r1 = registrations.register_for_webinar(first, webinar)
    r2 = registrations.register_for_webinar(second, webinar)
    r3 = registrations.register_for_webinar(third, webinar)
    assert [status_of(r) for r in (r1, r2, r3)] == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.WAITLISTED,
    ]
    assert registrations.waitlist_position(db.session.get(Registration, r3.id)) == 2
    [waiting_mail, _] = outbox("webinar_waitlisted")
    assert waiting_mail.recipient == "second@patients.example" and "number 1" in waiting_mail.body_text
    assert not waiting_mail.attachments and JOIN not in waiting_mail.body_text

    promoted = registrations.cancel_registration(db.session.get(Registration, r1.id), first)
    assert [r.id for r in promoted] == [r2.id]
    assert [status_of(r) for r in (r1, r2, r3)] == [
        RegistrationStatus.CANCELLED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    ]
    assert registrations.waitlist_position(db.session.get(Registration, r3.id)) == 1
    assert db.session.get(Webinar, webinar.id).seats_taken == 1

    [cancelled] = outbox("webinar_registration_cancelled")
    assert cancelled.recipient == "first@patients.example"
    assert str(ics_of(cancelled)["method"]) == "CANCEL"
    assert str(ics_of(cancelled).events[0]["status"]) == "CANCELLED"
    [promotion] = outbox("webinar_promoted")
    assert promotion.recipient == "second@patients.example" and JOIN in promotion.body_text
    assert str(ics_of(promotion)["method"]) == "REQUEST"

    # Leaving the waiting list frees nothing and promotes nobody.
    assert registrations.cancel_registration(db.session.get(Registration, r3.id), third) == []
    assert not ics_of_or_none(outbox("webinar_registration_cancelled")[-1])


def ics_of_or_none(message):
    return ics_of(message) if message.attachments else None


def test_organisations_book_several_places_and_free_places_go_to_the_first_who_fits(app):
    webinar = make_webinar(capacity=4)
    org_a, org_b = make_user("a@smafamilies.example", role="patient_org"), make_user("b@cf.example", role="patient_org")
    dev, late = make_user("dev@uni.example"), make_user("late@uni.example")
    with pytest.raises(DomainError, match="one place"):
        registrations.register_for_webinar(dev, webinar, seats=2)
    a = registrations.register_for_webinar(org_a, webinar, seats=3)
    b = registrations.register_for_webinar(org_b, webinar, seats=3)
    d = registrations.register_for_webinar(dev, webinar)
    lt = registrations.register_for_webinar(late, webinar)
    assert [status_of(r) for r in (a, b, d, lt)] == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    ]
    registrations.cancel_registration(db.session.get(Registration, d.id), dev)
    # One place is free: the organisation needing three waits, the person behind it needing one goes ahead.
    assert status_of(b) == RegistrationStatus.WAITLISTED and status_of(lt) == RegistrationStatus.CONFIRMED
    registrations.cancel_registration(db.session.get(Registration, a.id), org_a)
    assert status_of(b) == RegistrationStatus.CONFIRMED
    assert db.session.get(Webinar, webinar.id).seats_taken == 4


def test_registration_closes_at_the_deadline_and_cancelling_ends_at_the_start(app, client):
    from freezegun import freeze_time

    webinar = make_webinar(registration_deadline=utcnow() + timedelta(hours=1))
    user = make_user("luc@patients.example")
    with freeze_time(utcnow() + timedelta(hours=2)):
        with pytest.raises(DomainError, match="closed"):
            registrations.register_for_webinar(user, webinar)
    registration = registrations.register_for_webinar(user, webinar)
    with freeze_time(webinar.starts_at + timedelta(minutes=5)):
        with pytest.raises(DomainError, match="has started"):
            registrations.cancel_registration(registration, user)
    assert status_of(registration) == RegistrationStatus.CONFIRMED

    closed = make_webinar(
        webinar.organiser, title="Closed webinar", registration_deadline=utcnow() - timedelta(minutes=1)
    )
    login(client, user.email)
    page = client.get(f"/webinars/{closed.id}").data.decode()
    assert "Registration is closed." in page and 'action="/webinars/%d/register"' % closed.id not in page
    assert client.post(f"/webinars/{closed.id}/register", data={"seats": "1"}).status_code == 400


def test_cancelling_through_the_page_and_the_my_webinars_list(app, client):
    webinar = make_webinar(capacity=1)
    make_user("luc@patients.example")
    login(client, "luc@patients.example")
    client.post(f"/webinars/{webinar.id}/register", data={"seats": "1"})
    assert "Hospital exemption" in client.get("/my/webinars").data.decode()
    assert client.post(f"/webinars/{webinar.id}/cancel-registration").status_code == 302
    assert "You are not registered" in client.get("/my/webinars").data.decode()
    assert db.session.get(Webinar, webinar.id).seats_taken == 0
    again = client.post(f"/webinars/{webinar.id}/cancel-registration", follow_redirects=True)  # a second click
    assert "You are not registered for this webinar." in again.data.decode()


# --- Changes by organisers ----------------------------------------------------------------------


def test_a_new_time_or_link_updates_calendars_with_a_higher_sequence(app):
    organiser = make_organiser()
    webinar = make_webinar(organiser, capacity=1)
    confirmed, waiting = make_user("in@patients.example"), make_user("wait@patients.example")
    registrations.register_for_webinar(confirmed, webinar)
    registrations.register_for_webinar(waiting, webinar)

    # the same start, not a fresh "in three days" that a minute boundary between the two calls would move
    same = webinar_values(capacity=1, title="A clearer title", starts_at=webinar.starts_at)
    services.update_webinar(webinar, organiser, same)
    assert outbox("webinar_updated") == [] and webinar.sequence == 0  # nothing a calendar holds changed

    later = webinar.starts_at + timedelta(days=1, hours=2)
    services.update_webinar(webinar, organiser, webinar_values(capacity=1, title="A clearer title", starts_at=later))
    updates = outbox("webinar_updated")
    assert sorted(m.recipient for m in updates) == ["in@patients.example", "wait@patients.example"]
    to_confirmed = next(m for m in updates if m.recipient == "in@patients.example")
    [event] = ics_of(to_confirmed).events
    assert int(event["sequence"]) == 1 and event.start.replace(tzinfo=None) == later
    assert str(event["uid"]) == f"webinar-{webinar.id}@join4atmp"
    assert str(ics_of(to_confirmed)["method"]) == "REQUEST"
    assert not next(m for m in updates if m.recipient == "wait@patients.example").attachments

    services.update_webinar(
        webinar,
        organiser,
        webinar_values(capacity=1, title="A clearer title", starts_at=later, join_url="https://meet.example/new-room"),
    )
    last = outbox("webinar_updated")[-1]
    assert last.recipient == "in@patients.example" and "https://meet.example/new-room" in last.body_text
    assert int(ics_of(last).events[0]["sequence"]) == 2
    assert len(outbox("webinar_updated")) == 3  # a link change is not sent to people waiting


def test_capacity_cannot_drop_below_the_places_taken_and_more_capacity_promotes(app, client):
    organiser = make_organiser()
    webinar = make_webinar(organiser, capacity=2)
    regs = [registrations.register_for_webinar(make_user(f"p{i}@patients.example"), webinar) for i in range(4)]
    login(client, organiser.email)
    form = {
        "title": webinar.title,
        "language": "en",
        "timezone": "UTC",
        "duration_minutes": "60",
        "starts_local": webinar.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "join_url": JOIN,
    }
    response = client.post(f"/webinars/{webinar.id}/edit", data={**form, "capacity": "1"})
    assert response.status_code == 400 and "2 places are already taken" in response.data.decode()
    assert client.post(f"/webinars/{webinar.id}/edit", data={**form, "capacity": "3"}).status_code == 302
    assert [status_of(r) for r in regs] == [RegistrationStatus.CONFIRMED] * 3 + [RegistrationStatus.WAITLISTED]
    [promotion] = outbox("webinar_promoted")
    assert promotion.recipient == "p2@patients.example"
    db.session.expire_all()
    assert db.session.get(Webinar, webinar.id).seats_taken == 3


def test_cancelling_a_webinar_tells_everyone_and_cancels_calendar_entries(app, client):
    organiser = make_organiser()
    webinar = make_webinar(organiser, capacity=1)
    registrations.register_for_webinar(make_user("in@patients.example"), webinar)
    registrations.register_for_webinar(make_user("wait@patients.example"), webinar)
    login(client, organiser.email)
    assert client.post(f"/webinars/{webinar.id}/cancel", data={"message": "The speaker is ill."}).status_code == 400
    response = client.post(f"/webinars/{webinar.id}/cancel", data={"message": "The speaker is ill.", "confirm": "y"})
    assert response.status_code == 302
    assert "The webinar is cancelled; 2 people were told." in client.get(response.location).get_data(as_text=True)
    edit = client.get(f"/webinars/{webinar.id}/edit")  # refused before anyone fills in the form
    assert edit.status_code == 302 and edit.location.endswith(f"/webinars/{webinar.id}/manage")
    assert "A cancelled webinar can no longer be changed." in client.get(edit.location).get_data(as_text=True)
    mails = outbox("webinar_cancelled")
    assert sorted(m.recipient for m in mails) == ["in@patients.example", "wait@patients.example"]
    to_confirmed = next(m for m in mails if m.recipient == "in@patients.example")
    assert "The speaker is ill." in to_confirmed.body_text
    calendar = ics_of(to_confirmed)
    assert str(calendar["method"]) == "CANCEL"
    assert str(calendar.events[0]["status"]) == "CANCELLED" and int(calendar.events[0]["sequence"]) == 1
    assert not next(m for m in mails if m.recipient == "wait@patients.example").attachments
    assert "has been cancelled" in app.test_client().get(f"/webinars/{webinar.id}").data.decode()
    latecomer = make_user("late@patients.example")
    with pytest.raises(DomainError, match="closed"):
        registrations.register_for_webinar(latecomer, db.session.get(Webinar, webinar.id))


def test_a_recording_added_after_the_webinar_is_announced_once(app):
    from freezegun import freeze_time

    organiser = make_organiser()
    webinar = make_webinar(organiser)
    registrations.register_for_webinar(make_user("in@patients.example"), webinar)
    with freeze_time(webinar.ends_at + timedelta(hours=2)):
        values = webinar_values(
            starts_at=webinar.starts_at,
            recording_url="https://video.example/rec",
            materials="[Slides](https://files.example/slides.pdf)",
        )
        services.update_webinar(webinar, organiser, values)
        services.update_webinar(webinar, organiser, values)
    [mail] = outbox("webinar_recording")
    assert mail.recipient == "in@patients.example" and "https://video.example/rec" in mail.body_text
    page = app.test_client().get(f"/webinars/{webinar.id}").data.decode()
    assert "https://video.example/rec" in page and 'href="https://files.example/slides.pdf"' in page


def test_a_recording_added_while_the_webinar_runs_is_announced_once_it_has_ended(app):
    from freezegun import freeze_time

    from join4atmp.webinars.housekeeping import announce_recordings

    organiser = make_organiser()
    webinar = make_webinar(organiser)
    registrations.register_for_webinar(make_user("in@patients.example"), webinar)
    with freeze_time(webinar.starts_at + timedelta(minutes=20)):
        values = webinar_values(starts_at=webinar.starts_at, recording_url="https://video.example/live")
        services.update_webinar(webinar, organiser, values)
        assert announce_recordings() == 0  # still running: nothing to watch again yet
    assert not outbox("webinar_recording")
    with freeze_time(webinar.ends_at + timedelta(minutes=5)):
        assert announce_recordings() == 1
        assert announce_recordings() == 0
        services.update_webinar(webinar, organiser, values)  # a later save does not announce it again
    [mail] = outbox("webinar_recording")
    assert mail.recipient == "in@patients.example" and "https://video.example/live" in mail.body_text


def test_a_registrant_of_a_running_webinar_without_a_link_is_not_promised_one_before_the_start(app):
    from freezegun import freeze_time

    webinar = make_webinar(join_url="")
    registrations.register_for_webinar(make_user("in@patients.example"), webinar)
    client = app.test_client()
    login(client, "in@patients.example")
    before = client.get(f"/webinars/{webinar.id}").get_data(as_text=True)
    assert "The organisers will send the join link before the start." in before
    with freeze_time(webinar.starts_at + timedelta(minutes=10)):
        login(client, "in@patients.example")  # days later: an idle session has ended meanwhile
        during = client.get(f"/webinars/{webinar.id}").get_data(as_text=True)
    assert "before the start" not in during
    assert "has started, but its join link is not here yet" in plain(during).replace("&#39;", "'")


# --- Time zones and calendar downloads --------------------------------------------------------------


def test_times_are_shown_in_the_viewers_zone(app, client):
    webinar = make_webinar(
        starts_at=utcnow().replace(year=2031, month=1, day=16, hour=13, minute=0, second=0, microsecond=0),
        timezone="Europe/Paris",
    )
    anonymous = app.test_client()
    page = plain(anonymous.get(f"/webinars/{webinar.id}").data)
    assert "14:00 CET" in page and 'datetime="2031-01-16T13:00:00Z"' in page  # the webinar's own zone

    response = anonymous.post("/webinars/timezone", data={"tz": "America/New_York", "next": f"/webinars/{webinar.id}"})
    assert response.headers["Location"] == f"/webinars/{webinar.id}"
    assert "08:00 EST" in plain(anonymous.get(f"/webinars/{webinar.id}").data)
    anonymous.post("/webinars/timezone", data={"tz": "Nowhere/Atlantis"})
    assert "08:00 EST" in plain(anonymous.get(f"/webinars/{webinar.id}").data)

    user = make_user("aino@fimea.example")
    user.timezone = "Europe/Helsinki"
    db.session.commit()
    login(client, user.email)
    assert "15:00 EET" in plain(client.get(f"/webinars/{webinar.id}").data)
    client.post(f"/webinars/{webinar.id}/register", data={"seats": "1"})
    [mail] = outbox("webinar_confirmed")
    assert "15:00 EET" in plain(mail.body_text) and "16 Jan 2031, 13:00 UTC" in mail.body_text
    client.post("/webinars/timezone", data={"tz": "Europe/Lisbon"})
    db.session.refresh(user)
    assert user.timezone == "Europe/Lisbon"


def test_the_calendar_download_has_the_join_link_only_for_participants(app, client):
    webinar = make_webinar()
    public = Calendar.from_ical(app.test_client().get(f"/webinars/{webinar.id}/calendar.ics").data)
    assert str(public["method"]) == "PUBLISH" and JOIN not in public.to_ical().decode()
    make_user("luc@patients.example")
    login(client, "luc@patients.example")
    client.post(f"/webinars/{webinar.id}/register", data={"seats": "1"})
    response = client.get(f"/webinars/{webinar.id}/calendar.ics")
    assert response.mimetype == "text/calendar" and "attachment" in response.headers["Content-Disposition"]
    [event] = Calendar.from_ical(response.data).events
    assert JOIN in str(event["description"]) and str(event["uid"]) == f"webinar-{webinar.id}@join4atmp"


# --- Organiser overview -----------------------------------------------------------------------------


def test_registrants_csv_and_attendance(app, client):
    from freezegun import freeze_time

    organiser = make_organiser()
    webinar = make_webinar(organiser, capacity=1, starts_at=utcnow() + timedelta(hours=2))
    came = make_user("came@patients.example", display_name='=HYPERLINK("http://evil")')
    registrations.register_for_webinar(came, webinar, needs="Wheelchair access")
    registrations.register_for_webinar(make_user("wait@patients.example"), webinar)
    login(client, organiser.email)
    csv_text = client.get(f"/webinars/{webinar.id}/registrants.csv").data.decode()
    assert "came@patients.example" in csv_text and "Wheelchair access" in csv_text
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text  # no formula for spreadsheets
    assert "wait@patients.example" in csv_text

    registration = registrations.registration_of(webinar, came)
    assert client.post(f"/webinars/{webinar.id}/attendance", data={"attended": [registration.id]}).status_code == 400
    with freeze_time(webinar.starts_at + timedelta(minutes=30)):
        login(client, organiser.email)  # 2.5 hours later: the session has passed its idle timeout
        assert (
            client.post(f"/webinars/{webinar.id}/attendance", data={"attended": [registration.id]}).status_code == 302
        )
        assert "came@patients.example" in client.get(f"/webinars/{webinar.id}/manage").data.decode()
    assert status_of(registration) == RegistrationStatus.ATTENDED


def test_registrants_csv_has_no_formula_after_a_european_list_separator(app, client):
    """Issue 13, item 7: where ';' separates fields (de, fr, it, nl), a formula hid after it."""
    import csv
    import io

    organiser = make_organiser()
    webinar = make_webinar(organiser, capacity=5)
    sly = make_user("sly@patients.example", display_name="Ann;=cmd|' /C calc'!A0", organisation="Org, +SUM(A1)")
    registrations.register_for_webinar(sly, webinar, needs="x;  @SUM(A1:A9)")
    login(client, organiser.email)
    csv_text = client.get(f"/webinars/{webinar.id}/registrants.csv").data.decode()
    line = next(line for line in csv_text.splitlines() if "sly@patients.example" in line)
    assert line.startswith('"') and '","' in line  # every field quoted
    for cell in next(csv.reader(io.StringIO(line))):
        for part in cell.replace(",", ";").split(";"):
            assert part.strip()[:1] not in ("=", "+", "-", "@"), cell
    assert "Ann;'=cmd" in line and "Org, '+SUM" in line and "x;  '@SUM" in line


def test_leaving_the_platform_gives_places_to_the_people_waiting(app, client):
    webinar = make_webinar(capacity=1)
    leaving, waiting = make_user("leaving@patients.example"), make_user("waiting@patients.example")
    registrations.register_for_webinar(leaving, webinar)
    registrations.register_for_webinar(waiting, webinar)
    assert registrations.cancel_registrations_of(leaving) == 1
    assert registrations.registration_of(webinar, waiting).status == RegistrationStatus.CONFIRMED
    assert registrations.cancel_registrations_of(leaving) == 0

    login(client, "leaving@patients.example")
    response = client.post(f"/webinars/{webinar.id}/register", data={"seats": "3"})
    assert response.status_code == 400 and "You can book one place." in response.data.decode()
    page = client.post(f"/webinars/{webinar.id}/register", data={"seats": "abc"}).get_data(as_text=True)
    assert page.count('<ul class="errors" id="seats-error"><li>') == 1 and "You can book one place." not in page
