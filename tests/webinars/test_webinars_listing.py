"""What everyone sees of webinars: the list with its filters, times in two zones, speakers linked to
expert profiles, and the public calendar feed at /webinars.ics."""

from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from join4atmp.core.errors import DomainError
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.webinars import services
from join4atmp.webinars.models import Webinar

from helpers import JOIN, ics_of, login, make_organiser, make_user, make_webinar, outbox, plain, webinar_values

START = datetime(2031, 1, 16, 13, 0)  # 14:00 in Paris, 08:00 in New York


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def move_to_past(webinar, hours_ago=3):
    webinar.starts_at = utcnow().replace(microsecond=0) - timedelta(hours=hours_ago)
    db.session.commit()


# --- The calendar feed ------------------------------------------------------------------------------


def test_the_feed_lists_published_webinars_in_utc_without_join_links(app, client):
    organiser = make_organiser()
    published = make_webinar(organiser, starts_at=START, timezone="Europe/Paris")
    cancelled = make_webinar(organiser, title="Cancelled webinar on PRIME")
    services.cancel_webinar(cancelled, organiser)
    draft = make_webinar(organiser, publish=False, title="Secret draft on potency")
    french = make_webinar(organiser, title="L'exemption hospitalière", language="fr")

    response = client.get("/webinars.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert JOIN.encode() not in response.data and b"Secret draft" not in response.data
    feed = Calendar.from_ical(response.data)
    assert str(feed["method"]) == "PUBLISH"
    events = {str(e["uid"]): e for e in feed.events}
    assert set(events) == {f"webinar-{w.id}@join4atmp" for w in (published, cancelled, french)}
    event = events[f"webinar-{published.id}@join4atmp"]
    assert event.decoded("dtstart").isoformat() == "2031-01-16T13:00:00+00:00"  # UTC, not Paris
    assert event.decoded("dtend").isoformat() == "2031-01-16T14:00:00+00:00"
    assert str(event["status"]) == "CONFIRMED" and str(event["summary"]) == published.title
    assert str(events[f"webinar-{cancelled.id}@join4atmp"]["status"]) == "CANCELLED"
    assert f"webinar-{draft.id}@join4atmp" not in events

    # The UID is the one the invitation carries, so the subscribed entry and the invite are one event.
    make_user("luc@patients.example")
    login(client, "luc@patients.example")
    client.post(f"/webinars/{published.id}/register", data={"seats": "1"})
    [invite] = ics_of(outbox("webinar_confirmed")[0]).events
    assert str(invite["uid"]) == f"webinar-{published.id}@join4atmp"
    assert JOIN.encode() not in client.get("/webinars.ics").data  # not even for a participant

    only_french = Calendar.from_ical(client.get("/webinars.ics?language=fr").data)
    assert [str(e["uid"]) for e in only_french.events] == [f"webinar-{french.id}@join4atmp"]
    assert client.get("/webinars.ics?language=xx").status_code == 400
    assert 'href="/webinars.ics"' in client.get("/webinars").data.decode()


# --- List filters ---------------------------------------------------------------------------------


def test_the_list_filters_by_language_and_topic_and_separates_past_webinars(app, client):
    organiser = make_organiser()
    make_webinar(organiser, title="CAR-T access in English", topics=["car-t"])
    make_webinar(organiser, title="Accès aux CAR-T en français", language="fr", topics=["car-t"])
    make_webinar(organiser, title="Hospital exemption in English", topics=["hospital-exemption"])
    move_to_past(make_webinar(organiser, title="Past CAR-T session in English", topics=["car-t"]))

    def sections(query=""):
        response = client.get(f"/webinars{query}")
        upcoming, past = response.data.decode().split('id="past-heading"')
        return response.status_code, upcoming, past

    status, upcoming, past = sections()
    assert status == 200 and "Past CAR-T session" in past and "Past CAR-T session" not in upcoming
    assert all(t in upcoming for t in ("CAR-T access in English", "Accès aux CAR-T", "Hospital exemption in"))

    _, upcoming, past = sections("?language=fr")
    assert "Accès aux CAR-T" in upcoming and "CAR-T access in English" not in upcoming
    assert "Hospital exemption in" not in upcoming and "Past CAR-T session" not in past

    _, upcoming, past = sections("?topic=car-t&language=en")
    assert "CAR-T access in English" in upcoming and "Past CAR-T session" in past
    assert "Accès aux CAR-T" not in upcoming and "Hospital exemption in" not in upcoming
    assert 'href="/webinars.ics?language=en&amp;topic=car-t"' in upcoming  # the feed keeps the filters

    assert client.get("/webinars?topic=astrology").status_code == 400


# --- Time zones -------------------------------------------------------------------------------------


def test_times_show_the_viewers_zone_with_the_organisers_beside_it(app, client):
    webinar = make_webinar(starts_at=START, timezone="Europe/Paris")
    page = plain(client.get(f"/webinars/{webinar.id}").data)
    assert "14:00 CET" in page and 'class="organiser-time"' not in page  # one zone: nothing to add

    client.post("/webinars/timezone", data={"tz": "America/New_York"})
    for path in (f"/webinars/{webinar.id}", "/webinars"):
        page = plain(client.get(path).data)
        assert "08:00 EST" in page, path
        organiser_part = page.split('class="organiser-time"', 1)[1].split("</span>", 1)[0]
        assert "Europe/Paris" in organiser_part and "14:00 CET" in organiser_part, path
    assert "15:00 CET" in plain(client.get(f"/webinars/{webinar.id}").data)  # the end, on the page

    client.post("/webinars/timezone", data={"tz": "Europe/Berlin"})  # another zone, the same clock
    assert 'class="organiser-time"' not in plain(client.get(f"/webinars/{webinar.id}").data)

    move_to_past(webinar)
    client.post("/webinars/timezone", data={"tz": "Asia/Tokyo"})
    past = plain(client.get("/webinars").data).split('id="past-heading"')[1]
    assert "JST" in past and 'class="organiser-time"' in past


# --- Speakers linked to expert profiles ----------------------------------------------------------------


def test_organisers_link_speakers_to_listed_expert_profiles(app, client):
    organiser = make_organiser()
    anna = make_user("anna@uni.example", display_name="Anna Berg", organisation="Leiden University")
    luc = make_user("luc@patients.example", role="patient_org", display_name="Luc Martin")
    hidden = make_user("hidden@uni.example", display_name="Hidden Expert", is_listed=False)
    login(client, organiser.email)
    form = {
        "title": "CAR-T access across the EU",
        "language": "en",
        "timezone": "Europe/Paris",
        "starts_local": "2031-01-15T14:00",
        "duration_minutes": "60",
        "capacity": "50",
        "speakers": "Dr Free Text, independent consultant",
    }

    # The organiser finds them by name: one checkbox for each listed profile, labelled with the name.
    boxes = speaker_boxes(client.get("/webinars/new").data.decode())
    assert "Hidden Expert" not in " ".join(boxes)
    anna_id, luc_id = boxes["Anna Berg, Leiden University"], boxes["Luc Martin, Example University"]
    assert (anna_id, luc_id) == (str(anna.profile.id), str(luc.profile.id))

    # A value that is no listed profile is refused, named, and nothing is saved.
    refused = client.post("/webinars/new", data={**form, "speaker_profiles": [anna_id, str(hidden.profile.id)]})
    assert refused.status_code == 400
    assert f"No expert profile in the directory matches: {hidden.profile.id}" in refused.data.decode()
    refused = client.post("/webinars/new", data={**form, "speaker_profiles": ["424242"]})
    assert refused.status_code == 400 and "matches: 424242" in refused.data.decode()
    assert db.session.scalar(db.select(Webinar)) is None

    response = client.post("/webinars/new", data={**form, "speaker_profiles": [luc_id, anna_id]})
    assert response.status_code == 302
    webinar = db.session.scalar(db.select(Webinar))
    assert [p.id for p in webinar.speaker_experts] == [luc.profile.id, anna.profile.id]
    client.post(f"/webinars/{webinar.id}/publish")

    page = client.get(f"/webinars/{webinar.id}").data.decode()
    assert f'href="/experts/{anna.profile.id}">Anna Berg</a>, Leiden University' in page
    assert f'href="/experts/{luc.profile.id}">Luc Martin</a>' in page and "Dr Free Text" in page
    edit = client.get(f"/webinars/{webinar.id}/edit").data.decode()
    assert list(speaker_boxes(edit, checked=True).values()) == [luc_id, anna_id]  # the speakers first, in order

    # Saving without the field keeps the links; an empty list removes them; an unlisted profile loses its link.
    values = webinar_values(title=webinar.title, starts_at=webinar.starts_at, capacity=50, join_url="")
    services.update_webinar(webinar, organiser, values)
    assert len(webinar.speaker_experts) == 2
    services.update_webinar(webinar, organiser, {**values, "speaker_profiles": [str(anna.profile.id)]})
    assert [p.id for p in webinar.speaker_experts] == [anna.profile.id]
    anna.profile.is_listed = False
    db.session.commit()
    page = app.test_client().get(f"/webinars/{webinar.id}").data.decode()
    assert "Anna Berg" in page and f"/experts/{anna.profile.id}" not in page
    edit = client.get(f"/webinars/{webinar.id}/edit").data.decode()
    assert "Anna Berg, Leiden University" not in speaker_boxes(edit)
    assert "No longer in the expert directory" in edit and "Anna Berg" in edit
    with pytest.raises(DomainError):
        services.update_webinar(webinar, organiser, {**values, "speaker_profiles": [str(anna.profile.id)]})
    services.update_webinar(webinar, organiser, {**values, "speaker_profiles": []})
    assert webinar.speaker_experts == []


def speaker_boxes(page, checked=False) -> dict:
    """The speaker checkboxes of the edit form: {label: value}, in page order (only the ticked ones)."""
    from html.parser import HTMLParser

    class Boxes(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inputs, self.labels, self.label_for = {}, {}, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("name") == "speaker_profiles":
                if not checked or "checked" in attrs:
                    self.inputs[attrs["id"]] = attrs["value"]
            elif tag == "label":
                self.label_for = attrs.get("for")

        def handle_data(self, data):
            if self.label_for:
                self.labels[self.label_for] = self.labels.get(self.label_for, "") + data

        def handle_endtag(self, tag):
            if tag == "label":
                self.label_for = None

    parser = Boxes()
    parser.feed(page)
    return {parser.labels[i].strip(): value for i, value in parser.inputs.items()}
