"""Forms that help: the topic checkboxes come in one fieldset for each group of the taxonomy, with a filter
that hides the topics not matching what one types (shown by static/js/forms.js: without it every topic
shows); and a form that comes back with errors puts the focus on the first field to correct."""

from html.parser import HTMLParser

import pytest
from playwright.sync_api import expect

from join4atmp.core import taxonomy
from join4atmp.extensions import db

from helpers import browser_log_in, login, make_organiser, make_user, make_webinar, needs_chromium


class Fieldsets(HTMLParser):
    """The fieldsets of a page as nested dicts: legend, the values of the ``name`` inputs, the children."""

    def __init__(self, name):
        super().__init__()
        self.name, self.root = name, {"legend": "", "values": [], "children": [], "attrs": {}}
        self.stack, self.in_legend, self.filter_boxes = [self.root], False, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "fieldset":
            node = {"legend": "", "values": [], "children": [], "attrs": attrs}
            self.stack[-1]["children"].append(node)
            self.stack.append(node)
        elif tag == "legend":
            self.in_legend = True
        elif tag == "input" and attrs.get("name") == self.name:
            self.stack[-1]["values"].append(attrs["value"])
        elif tag == "div" and "choice-filter" in (attrs.get("class") or "").split():
            self.filter_boxes.append((self.stack[-1], attrs))

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self.stack.pop()
        elif tag == "legend":
            self.in_legend = False

    def handle_data(self, data):
        if self.in_legend:
            self.stack[-1]["legend"] += data.strip()


def topic_fieldset(page):
    parser = Fieldsets("topics")
    parser.feed(page)
    [topics] = [node for node in parser.root["children"] if node["legend"] == "Topics"]
    return topics, parser.filter_boxes


def assert_grouped(page):
    topics, filters = topic_fieldset(page)
    assert topics["values"] == []  # every checkbox is in its group's fieldset
    groups = [(node["legend"], node["values"]) for node in topics["children"]]
    assert groups == [(str(group), [slug for slug, _ in items]) for group, items in taxonomy.TOPIC_GROUPS]
    assert sum(len(values) for _, values in groups) == len(taxonomy.TOPICS) == 39
    # The filter box belongs to the topics and is hidden until the script shows it: all topics show without it.
    [(owner, attrs)] = [(owner, attrs) for owner, attrs in filters if owner is topics]
    assert "hidden" in attrs
    assert '<label for="topics-filter">Filter the list</label>' in page


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def test_every_form_with_topics_groups_them_by_the_taxonomy(app, client):
    from join4atmp.questions import services as questions

    organiser = make_organiser()
    question = questions.create_question(
        organiser, "Potency assays for CAR-T products", "Which assays do assessors expect?", ["potency-assays"]
    )
    login(client, organiser.email)
    pages = ["/profile", "/ask", "/webinars/new", f"/questions/{question.id}/edit"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_grouped(response.data.decode())

    # The ticked topics stay ticked in their groups.
    edit = client.get(f"/questions/{question.id}/edit").data.decode()
    assert '<input checked id="topics-' in edit.split('value="potency-assays"')[0].rsplit("<li>", 1)[1]


def test_a_grouped_list_still_refuses_a_topic_that_is_not_in_it(app, client):
    make_organiser()
    login(client, "organiser@join4atmp.example")
    form = {
        "title": "Potency assays for CAR-T",
        "language": "en",
        "timezone": "Europe/Paris",
        "starts_local": "2031-01-15T14:00",
        "duration_minutes": "60",
        "capacity": "50",
    }
    refused = client.post("/webinars/new", data={**form, "topics": ["car-t", "astrology"]})
    assert refused.status_code == 400 and 'id="topics-error"' in refused.data.decode()
    assert client.post("/webinars/new", data={**form, "topics": ["car-t", "potency-assays"]}).status_code == 302


# --- In Chromium ------------------------------------------------------------------------------------


@needs_chromium
def test_typing_in_the_filter_hides_the_other_topics_and_ticked_ones_are_kept(live_server, page):
    with live_server.app_context(), live_server.test_request_context("/"):
        user = make_user("anna@uni.example", display_name="Anna Berg")  # ticked: gene therapy
        user_id = user.id
        db.session.remove()
    base = live_server.base_url
    browser_log_in(page, base, "anna@uni.example")
    page.goto(f"{base}/profile")

    search = page.get_by_label("Filter the list")
    expect(search).to_be_visible()
    expect(page.get_by_label("Gene therapy")).to_be_checked()
    search.fill("potency")
    expect(page.get_by_label("Potency assays")).to_be_visible()
    expect(page.get_by_label("Gene therapy")).to_be_hidden()
    expect(page.get_by_label("GMP manufacturing")).to_be_hidden()
    expect(page.locator(".choice-group", has_text="Quality and manufacturing")).to_be_visible()
    expect(page.locator(".choice-group", has_text="Product classes")).to_be_hidden()
    expect(page.locator("[data-filter-status]")).to_have_text("1 of 39 shown")
    search.press("Enter")  # filters; does not send the form
    assert page.url.endswith("/profile") and not page.locator(".flashes").count()

    page.get_by_label("Potency assays").check()
    search.fill("")
    expect(page.get_by_label("GMP manufacturing")).to_be_visible()
    search.fill("viral vec")  # several words, each must match
    expect(page.get_by_label("Viral vector manufacturing")).to_be_visible()
    expect(page.get_by_label("Potency assays")).to_be_hidden()
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".flashes")).to_be_visible()
    with live_server.app_context():
        from join4atmp.accounts.models import User

        assert sorted(db.session.get(User, user_id).profile.topics) == ["gene-therapy", "potency-assays"]
        db.session.remove()


@needs_chromium
def test_a_refused_form_puts_the_focus_on_the_first_field_to_correct(live_server, page):
    with live_server.app_context(), live_server.test_request_context("/"):
        webinar_id = make_webinar(capacity=20).id
        make_user("sabine@smafamilies.example", role="patient_org", display_name="Sabine Wolff")
        db.session.remove()
    base = live_server.base_url

    page.goto(f"{base}/register")
    page.get_by_label("Your name").fill("Nora Nilsson")
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "email"  # the name was fine: the email comes first
    expect(page.get_by_label("Email")).to_be_focused()

    browser_log_in(page, base, "sabine@smafamilies.example")
    page.goto(f"{base}/webinars/{webinar_id}")
    assert page.evaluate("document.activeElement.id") != "seats"  # nothing to correct, nothing moved
    places = page.get_by_label("Places")
    assert places.get_attribute("max") == "5"
    places.fill("6")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".registration-box .errors")).to_contain_text("between 1 and 5 places")
    assert page.evaluate("document.activeElement.id") == "seats"
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
