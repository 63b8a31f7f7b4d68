"""How many places: the register form says the real limit (one rule for the form, the input and the service),
and cancelling asks first and can give back only some of an organisation's places, which go to the people
waiting as a cancellation's do."""

import re

import pytest

from join4atmp.extensions import db
from join4atmp.webinars import registrations
from join4atmp.webinars.models import Registration, RegistrationStatus, Webinar

from helpers import login, make_user, make_webinar, outbox


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def seats_input(page):
    [tag] = re.findall(r'<input[^>]*name="seats"[^>]*>', page)
    return tag


def test_the_places_field_states_the_limit_the_service_applies(app, client):
    webinar = make_webinar(capacity=20)
    make_user("sabine@smafamilies.example", role="patient_org")
    login(client, "sabine@smafamilies.example")

    page = client.get(f"/webinars/{webinar.id}").data.decode()
    tag = seats_input(page)
    assert 'type="number"' in tag and 'min="1"' in tag and 'max="5"' in tag
    assert "From 1 to 5: as an organisation you may book places for your members." in page
    assert 'aria-describedby="seats-hint"' in tag

    refused = client.post(f"/webinars/{webinar.id}/register", data={"seats": "6"})
    assert refused.status_code == 400
    assert "You can book between 1 and 5 places." in refused.data.decode()
    assert 'aria-invalid="true"' in seats_input(refused.data.decode())
    assert db.session.scalar(db.select(Registration)) is None

    assert client.post(f"/webinars/{webinar.id}/register", data={"seats": "5"}).status_code == 302
    assert db.session.get(Webinar, webinar.id).seats_taken == 5


def test_the_limit_comes_from_the_configuration(app, client):
    app.config["WEBINAR_MAX_SEATS_PER_REGISTRATION"] = 3
    webinar = make_webinar(capacity=20)
    make_user("sabine@smafamilies.example", role="patient_org")
    login(client, "sabine@smafamilies.example")
    assert 'max="3"' in seats_input(client.get(f"/webinars/{webinar.id}").data.decode())
    refused = client.post(f"/webinars/{webinar.id}/register", data={"seats": "4"}).data.decode()
    assert "You can book between 1 and 3 places." in refused


def test_one_person_books_one_place_and_is_told_so(app, client):
    webinar = make_webinar(capacity=20)
    make_user("dev@uni.example")
    login(client, "dev@uni.example")
    assert 'name="seats"' not in client.get(f"/webinars/{webinar.id}").data.decode()  # nothing to choose
    refused = client.post(f"/webinars/{webinar.id}/register", data={"seats": "2"})
    assert refused.status_code == 400 and "You can book one place." in refused.data.decode()
    assert 'max="1"' in seats_input(refused.data.decode())


# --- Cancelling, and giving back some places ------------------------------------------------------


@pytest.fixture
def booked(client):
    """An organisation holds 4 of 5 places; a developer holds the fifth; a second organisation waits for 2."""
    webinar = make_webinar(capacity=5)
    org = make_user("sabine@smafamilies.example", role="patient_org")
    registrations.register_for_webinar(org, webinar, seats=4)
    registrations.register_for_webinar(make_user("dev@uni.example"), webinar)
    waiting = registrations.register_for_webinar(make_user("b@cf.example", role="patient_org"), webinar, seats=2)
    assert waiting.status == RegistrationStatus.WAITLISTED
    login(client, org.email)
    return webinar, org, waiting


def state(registration_id):
    db.session.expire_all()
    registration = db.session.get(Registration, registration_id)
    return registration.status, registration.seats


def test_cancelling_asks_first_and_a_get_changes_nothing(app, client, booked):
    webinar, org, _ = booked
    show = client.get(f"/webinars/{webinar.id}").data.decode()
    assert f'href="/webinars/{webinar.id}/cancel-registration"' in show  # a link to the question, not a button

    page = client.get(f"/webinars/{webinar.id}/cancel-registration")
    assert page.status_code == 200
    text = page.data.decode()
    assert "You have 4 places." in text and 'name="places"' in text and 'max="4"' in text
    assert "Give back these places" in text and "Keep my registration" in text
    mine = registrations.registration_of(webinar, org)
    assert state(mine.id) == (RegistrationStatus.CONFIRMED, 4)
    assert db.session.get(Webinar, webinar.id).seats_taken == 5 and not outbox("webinar_registration_cancelled")


def test_giving_back_some_places_keeps_the_rest_and_promotes_the_next_in_line(app, client, booked):
    webinar, org, waiting = booked
    response = client.post(f"/webinars/{webinar.id}/cancel-registration", data={"places": "2"})
    assert response.status_code == 302
    mine = registrations.registration_of(webinar, org)
    assert state(mine.id) == (RegistrationStatus.CONFIRMED, 2)
    assert state(waiting.id) == (RegistrationStatus.CONFIRMED, 2)  # the two places went to the waiting list
    assert db.session.get(Webinar, webinar.id).seats_taken == 5
    [promotion] = outbox("webinar_promoted")
    assert promotion.recipient == "b@cf.example"
    assert not outbox("webinar_registration_cancelled")  # still registered
    page = client.get(f"/webinars/{webinar.id}").data.decode()
    assert "You gave back 2 places. You keep 2 places." in page and "You are registered (2 places)." in page


def test_giving_back_every_place_is_cancelling(app, client, booked):
    webinar, org, waiting = booked
    assert client.post(f"/webinars/{webinar.id}/cancel-registration", data={"places": "4"}).status_code == 302
    mine = registrations.registration_of(webinar, org)
    assert state(mine.id) == (RegistrationStatus.CANCELLED, 4)
    assert state(waiting.id)[0] == RegistrationStatus.CONFIRMED
    assert db.session.get(Webinar, webinar.id).seats_taken == 3
    [cancelled] = outbox("webinar_registration_cancelled")
    assert cancelled.recipient == "sabine@smafamilies.example"
    assert "Your registration is cancelled." in client.get(f"/webinars/{webinar.id}").data.decode()


@pytest.mark.parametrize("places", ["5", "0", "-1", "two"])
def test_giving_back_more_places_than_held_is_refused(app, client, booked, places):
    webinar, org, waiting = booked
    response = client.post(f"/webinars/{webinar.id}/cancel-registration", data={"places": places})
    assert response.status_code == 400
    text = response.data.decode()
    assert 'aria-invalid="true"' in text
    if places != "two":
        assert "Your registration is for 4 places: give back between 1 and 4." in text
    mine = registrations.registration_of(webinar, org)
    assert state(mine.id) == (RegistrationStatus.CONFIRMED, 4) and state(waiting.id)[0] == RegistrationStatus.WAITLISTED


def test_the_service_refuses_more_places_than_held_too(app, booked):
    webinar, org, _ = booked
    from join4atmp.core.errors import DomainError

    with pytest.raises(DomainError, match="give back between 1 and 4") as refusal:
        registrations.cancel_registration(registrations.registration_of(webinar, org), org, places=5)
    assert refusal.value.field == "places"


def test_a_single_place_is_cancelled_after_the_question(app, client):
    webinar = make_webinar(capacity=1)
    make_user("dev@uni.example")
    login(client, "dev@uni.example")
    client.post(f"/webinars/{webinar.id}/register", data={})
    text = client.get(f"/webinars/{webinar.id}/cancel-registration").data.decode()
    assert "Do you want to cancel your registration?" in text and 'name="places"' not in text
    assert client.post(f"/webinars/{webinar.id}/cancel-registration").status_code == 302
    assert db.session.get(Webinar, webinar.id).seats_taken == 0
    again = client.get(f"/webinars/{webinar.id}/cancel-registration", follow_redirects=True)
    assert "You are not registered for this webinar." in again.data.decode()


def test_leaving_the_waiting_list_asks_in_those_words(app, client, booked):
    webinar, _, waiting = booked
    client.post("/logout")
    login(client, "b@cf.example")
    text = client.get(f"/webinars/{webinar.id}/cancel-registration").data.decode()
    assert "You are on the waiting list for 2 places." in text and "Stay on the waiting list" in text
    assert client.post(f"/webinars/{webinar.id}/cancel-registration", data={"places": "1"}).status_code == 302
    assert state(waiting.id) == (RegistrationStatus.WAITLISTED, 1)  # still waiting, for one place now
    assert client.post(f"/webinars/{webinar.id}/cancel-registration").status_code == 302
    assert state(waiting.id)[0] == RegistrationStatus.CANCELLED
