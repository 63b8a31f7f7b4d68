"""Bad input never breaks the server: random and hostile input thrown at every form, every query string and
every API endpoint, found from the URL map (a new route is fuzzed without a change here).

Three promises are checked: no 5xx answer and no error in the log (an unhandled exception, a SQL error
included, is logged by the app), and no stored script: after the fuzzing, every page that shows stored
content is parsed, and none holds a script that is not ours, an event-handler attribute or a
``javascript:`` URL.

How cases are built: a world of real objects (questions, answers, match requests, webinars...) fills the URL
variables, sometimes with hostile ids instead. Form fields come from the pages' own ``<form>``s, crawled as
each user. A sweep puts each hostile value into each field with every other field valid, as a user the view
lets in, so the value reaches validation and the services; then hypothesis (derandomized, no example
database) throws mixtures at every endpoint as anonymous, a developer and an admin. Abuse limits are raised
so that cases reach validation; a part runs with CSRF protection on.
"""

import itertools
import json
import logging
import os
import re
import tempfile
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from werkzeug.datastructures import MultiDict

from join4atmp import config as defaults
from join4atmp import create_app
from join4atmp.core.time import utcnow
from join4atmp.extensions import db

from helpers import IsolatedClient, login, make_config, make_user

SCRIPTS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "</textarea><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "<iframe src=javascript:alert(1)></iframe>",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "<object data=x></object>",
    "<base href=//evil.example>",
    '<div style="x" onmouseover="alert(1)">x</div>',
    "[x](<javascript:alert(1)>)",
    "<<script>script>alert(1)<</script>/script>",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "${7*7}",
]
SQL = [
    "' OR '1'='1",
    "'; DROP TABLE user; --",
    "1 UNION SELECT password_hash FROM user--",
    "%",
    "_",
    "\\",
    "%' --",
    "1; SELECT sqlite_version()",
    '") OR 1=1 --',
    "' AND 1=CAST((SELECT 1) AS INT)--",
]
ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202e\u0645\u0631\u062d\u0628\u0627 abc",
    "👩‍🔬🧬💉",
    "\ufeff",
    "\r\n",
    "../../etc/passwd",
    "A" * 10_000,
    "<script>" * 1500,
    "é" * 5000,
    "1e309",
    "-1",
    "0",
    "9" * 40,
    "NaN",
    "Infinity",
    "0x1F",
    "1.5",
    "null",
    "true",
    "[]",
    "{}",
    "2026-13-45T25:61",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "1970-01-01T00:00",
    "Europe/Nowhere",
    "//evil.example",
    "https://evil.example/",
    "mailto:x@y",
    "x@y",
    "@",
    "\udc80".encode("utf-8", "surrogatepass").decode("latin-1"),
]
HOSTILE = SCRIPTS + SQL + ODD
# What every field of every form gets in the sweep (the random phase draws from all of HOSTILE).
SWEEP = [
    "' OR '1'='1",
    "'; DROP TABLE user; --",
    "%' --",
    "\\",
    "",
    " ",
    "\x00",
    "a\x00b",
    "A" * 10_000,
    "<script>" * 1500,
    "\u202e\u0645\u0631\u062d\u0628\u0627 abc",
    "👩‍🔬🧬💉",
    "1e309",
    "9" * 40,
    "-1",
    "NaN",
    "2026-13-45T25:61",
    "0001-01-01T00:00",
    "//evil.example",
    ODD[-1],
]

# Good values for inputs the pages leave empty, by input type (the crawl learns the rest).
DEFAULTS = {
    "text": "Comparability of a lentiviral vector after a change of supplier",
    "textarea": "We changed the vector supplier after phase I; which analytical data are expected?",
    "email": "someone@example.org",
    "url": "https://example.org/page",
    "number": "3",
    "datetime-local": (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT10:00"),
    "date": "2031-01-15",
    "password": "not the password 123",
    "checkbox": "y",
    "search": "vector",
    "hidden": "",
}
GENERIC_PARAMS = [
    "page",
    "per_page",
    "q",
    "topic",
    "role",
    "country",
    "language",
    "answered",
    "answered_by",
    "mode",
    "next",
    "token",
    "action",
    "lang",
    "tz",
    "status",
    "verified",
    "kind",
    "format",
]
API_KEYS = [
    "title",
    "body",
    "topics",
    "visibility",
    "text",
    "k",
    "role",
    "country",
    "language",
    "verified_only",
    "balanced",
    "preferred_countries",
    "preferred_languages",
    "exclude_organisations",
]
QUERY_SWEEP = [str(10**30), "-1", "' OR '1'='1", "\x00", "A" * 3000, "[]"]
SEGMENTS = {"kind": "questions", "action": "hide", "purpose": "public_contact"}  # real values of text variables
HOSTILE_IDS = [0, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30]
# Run these last: they may end the world's sessions or objects that other endpoints are fuzzed against.
LAST_WORDS = (
    "logout",
    "delete",
    "erase",
    "cancel",
    "deactivate",
    "revoke",
    "sign-out",
    "signout",
    "disable",
    "decline",
    "accept",
    "hide",
    "unverify",
    "duty",
    "password",
    "two-factor",
    "2fa",
    "sessions",
)

# Random examples per endpoint, on top of the sweeps: with them about 7,500 cases, 80-90 s on 2 shared cores.
BUDGET = {"POST": 24, "GET": 10, "API": 100}
# Hypothesis caches some data on disk even without an example database: keep it out of the repository.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "join4atmp-hypothesis"))
FUZZ = settings(
    derandomize=True, database=None, deadline=None, print_blob=False, suppress_health_check=list(HealthCheck)
)


# --- The world -------------------------------------------------------------------------------------------


def _raised_limits():
    """Every abuse limit from config.py, with its window kept and its count out of reach."""
    raised = {}
    for name in dir(defaults):
        value = getattr(defaults, name)
        if "LIMIT" in name and isinstance(value, tuple) and len(value) == 2:
            raised[name] = (10**9, value[1])
    if isinstance(getattr(defaults, "ABUSE_LIMITS", None), dict):
        raised["ABUSE_LIMITS"] = {
            action: {who: (10**9, window) for who, (_, window) in limits.items()}
            for action, limits in defaults.ABUSE_LIMITS.items()
        }
    return raised


class Errors(logging.Handler):
    """Collects every ERROR logged anywhere (the app logs each unhandled exception, SQL errors included)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def _build_world():
    from join4atmp.accounts.tokens import create_api_token
    from join4atmp.matching import indexing
    from join4atmp.matching.models import MatchRequest, RequestStatus
    from join4atmp.profiles import services as profiles
    from join4atmp.questions import services as questions
    from join4atmp.webinars import questions as webinar_questions
    from join4atmp.webinars import registrations
    from join4atmp.webinars import services as webinars

    dev = make_user("fuzz.dev@sme.example", organisation="Fuzz SME", expertise="AAV gene therapy process.")
    admin = make_user(
        "fuzz.admin@platform.example", role="admin", organisation="Platform", expertise="Running the platform."
    )
    expert = make_user(
        "expert@pei.example",
        role="regulator",
        verified=True,
        organisation="PEI",
        expertise="Quality of viral vectors and comparability after manufacturing changes.",
    )
    other = make_user("other@far.example", organisation="Far Bio", expertise="Cell therapy manufacturing.")
    victim = make_user(
        "victim@clinic.example", role="clinician", organisation="Clinic", expertise="CAR-T cytokine release syndrome."
    )
    public = questions.create_question(
        dev,
        "Which potency assay for a CAR-T product at phase I?",
        "We use flow cytometry.",
        ["potency-assays"],
        "public",
    )
    answer = questions.post_answer(
        public, expert, "A **cytotoxicity** assay with a [reference](https://ema.europa.eu)."
    )
    others = questions.create_question(
        other, "How long is long-term follow-up after gene therapy?", "Integrating vector.", ["gene-therapy"], "public"
    )
    questions.post_answer(others, dev, "Fifteen years for integrating vectors.")
    questions.flag(dev, "Looks like advertising.", answer=answer)
    secret = questions.create_question(
        dev, "Capsid tropism question for our vector", "Confidential data.", ["gene-therapy"], "confidential"
    )
    offered = questions.create_question(
        other, "Confidential question offered to the fuzzing user", "Details.", ["gene-therapy"], "confidential"
    )
    db.session.add_all(
        [
            MatchRequest(
                question_id=secret.id,
                profile_id=expert.profile.id,
                rank=1,
                score=1.0,
                status=RequestStatus.ACCEPTED,
                deadline=utcnow() + timedelta(days=7),
            ),
            MatchRequest(
                question_id=offered.id,
                profile_id=dev.profile.id,
                rank=1,
                score=1.0,
                status=RequestStatus.INVITED,
                deadline=utcnow() + timedelta(days=7),
            ),
        ]
    )
    db.session.commit()
    profiles.add_publication(dev.profile, "AAV manufacturing at scale", "Abstract.", 2021, None, None)
    profiles.add_interest(dev.profile, "Vector Supplies Ltd", "consultancy")
    create_api_token(dev, "fuzz")
    values = {
        "title": "Hospital exemption explained",
        "abstract": "How **it** works.",
        "audience": "Everyone",
        "speakers": "Dr Anna Berg",
        "language": "en",
        "timezone": "Europe/Paris",
        "starts_at": (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0),
        "duration_minutes": 60,
        "registration_deadline": None,
        "capacity": 50,
        "join_url": "https://meet.example/x",
        "recording_url": "",
        "materials": "",
        "topics": ["hospital-exemption"],
    }
    for _ in range(2):
        webinars.create_webinar(admin, values)  # the second stays a draft
    published = webinars.create_webinar(admin, values)
    webinars.publish_webinar(published, admin)
    registrations.register_for_webinar(dev, published, 1, "")
    webinar_questions.ask_question(published, dev, "Does hospital exemption differ between member states?")
    indexing.reindex_all()
    return {"dev": dev.email, "admin": admin.email, "victim_ids": [victim.id, other.id, expert.id]}


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory, model):
    """One app and world for the whole module: state piles up between cases as it would in production."""
    tmp_path = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        _cheap_passwords(patch)
        yield from _fuzzer(tmp_path)


def _cheap_passwords(patch):
    """Argon2 at its cheapest: thousands of cases post passwords, and the hash cost is not under test."""
    from argon2 import PasswordHasher

    from join4atmp.accounts import passwords

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    patch.setattr(passwords, "_hasher", hasher)
    dummy = hasher.hash("not a real password")
    patch.setattr(passwords, "_dummy_hash", lambda: dummy)


def _fuzzer(tmp_path):
    app = create_app(make_config(tmp_path, **_raised_limits()))
    app.test_client_class = IsolatedClient
    errors = Errors()
    logging.getLogger().addHandler(errors)
    with app.app_context(), app.test_request_context("/"):
        db.create_all()
        world = _build_world()
        fuzzer = Fuzzer(app, world, errors)
        fuzzer.crawl()
        yield fuzzer
        db.session.remove()
        db.engine.dispose()
    logging.getLogger().removeHandler(errors)


# --- Reading pages -----------------------------------------------------------------------------------------


class Forms(HTMLParser):
    """The <form>s of a page: method, action and each field's type, options and current value."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "option" and self._select is not None:
            self._select["options"].append(attrs.get("value", ""))
        elif tag == "form":
            self.forms.append(
                {"method": (attrs.get("method") or "get").upper(), "action": attrs.get("action"), "fields": {}}
            )
        elif not self.forms or not attrs.get("name"):
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "reset", "image"):
            kind = attrs.get("type") or "text"
            field = self._field(attrs["name"], kind)
            value = attrs.get("value", "y" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio"):
                field["options"].append(value)
            elif value:
                field["values"].append(value)
        elif tag == "select":
            self._select = self._field(attrs["name"], "select")
        elif tag == "textarea":
            self._textarea = self._field(attrs["name"], "textarea")
        elif tag == "button" and attrs.get("value"):
            self._field(attrs["name"], "button")["options"].append(attrs["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None and data.strip():
            self._textarea["values"].append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _field(self, name, kind):
        return self.forms[-1]["fields"].setdefault(name, {"type": kind, "options": [], "values": []})


class ScriptFinder(HTMLParser):
    """Anything in a page that would run script: foreign <script>, event handlers, javascript: URLs."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            cleaned = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name in self.URL_ATTRIBUTES and cleaned.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            src = urlsplit(dict(attrs).get("src") or "")
            if src.scheme or src.netloc or not src.path.startswith("/static/"):
                self.found.append(f"<script src={src.geturl()!r}>")
        elif tag in ("iframe", "object", "embed", "base"):
            self.found.append(f"<{tag}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def scripts_in(html):
    finder = ScriptFinder()
    finder.feed(html)
    return finder.found


# --- Routes and their cases --------------------------------------------------------------------------------

VARIABLE = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


class Route:
    """A URL rule with the pieces a case needs: its variables, and the real ids that fill them."""

    def __init__(self, rule, method):
        self.rule, self.method, self.endpoint = rule.rule, method, rule.endpoint
        self.variables = [(conv or "default", args, name) for conv, args, name in VARIABLE.findall(rule.rule)]
        self.is_api = rule.rule.startswith("/api/")

    def __repr__(self):
        return f"{self.method} {self.rule}"

    def build(self, values):
        it = iter(values)
        return VARIABLE.sub(lambda m: quote(str(next(it)), safe=""), self.rule)

    @property
    def runs_last(self):
        return any(word in self.rule for word in LAST_WORDS)


def _ids():
    """Real object ids by URL variable name, read from the database now (fuzzing adds objects)."""
    from join4atmp.accounts.models import ApiToken
    from join4atmp.core.mail import OutboxMessage
    from join4atmp.matching.models import MatchRequest
    from join4atmp.profiles.models import DeclaredInterest, ExpertProfile, Publication
    from join4atmp.questions.models import Answer, Flag, Question
    from join4atmp.webinars.models import Webinar, WebinarQuestion

    def ids(model, limit=6):
        return db.session.scalars(db.select(model.id).order_by(model.id).limit(limit)).all()

    return {
        "question_id": ids(Question),
        "answer_id": ids(Answer),
        "webinar_id": ids(Webinar),
        "webinar_question_id": ids(WebinarQuestion),
        "profile_id": ids(ExpertProfile),
        "request_id": ids(MatchRequest),
        "message_id": ids(OutboxMessage, 3),
        "flag_id": ids(Flag),
        "token_id": ids(ApiToken),
        "item_id": ids(Publication) + ids(DeclaredInterest),
        "post_id": ids(Question) + ids(Answer),
    }


def _variable(route, conv, args, name, pools, victims):
    if conv == "any":
        options = [a.strip().strip("'\"") for a in args.split(",")]
        return st.one_of(st.sampled_from(options), st.sampled_from(options), st.sampled_from(HOSTILE[:20]))
    if conv == "int":
        if name == "question_id" and route.rule.startswith("/webinars/"):
            name = "webinar_question_id"
        real = victims if name == "user_id" else pools.get(name) or pools["question_id"]
        return st.one_of(
            st.sampled_from(real), st.sampled_from(real), st.sampled_from(real), st.sampled_from(HOSTILE_IDS)
        )
    if name in SEGMENTS:
        real = {"kind": ["questions", "answers"], "action": ["hide", "restore"]}.get(name, [SEGMENTS[name]])
        return st.one_of(st.sampled_from(real), st.sampled_from(real), st.text(max_size=20))
    return st.one_of(st.text(min_size=1, max_size=80), st.sampled_from([h for h in HOSTILE if h.strip()]))


def hostile_text():
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(SCRIPTS),
        st.text(max_size=300),
        st.builds(lambda a, b: a + b, st.sampled_from(SCRIPTS + SQL), st.text(max_size=40)),
        st.integers().map(str),
        st.floats().map(str),
    )


def _good(field, name, known):
    pool = field["options"] or field["values"] or known.get(name) or [DEFAULTS.get(field["type"], "3")]
    return st.sampled_from(pool)


def form_cases(fields, known):
    """Form data as (name, value) pairs: mostly every field good but one; sometimes anything goes."""
    names = sorted(fields)
    good = {n: _good(fields[n], n, known) for n in names}

    @st.composite
    def one_bad(draw):
        pairs = [(n, draw(good[n])) for n in names]
        if fields and draw(st.booleans()):  # several options of a multi-choice field
            n = draw(st.sampled_from(names))
            pairs += [(n, v) for v in draw(st.lists(good[n], max_size=3))]
        if not names:
            return pairs + [(draw(st.sampled_from(GENERIC_PARAMS)), draw(hostile_text()))]
        target = draw(st.sampled_from(names))
        pairs = [p for p in pairs if p[0] != target]
        change = draw(st.sampled_from(["bad", "bad", "bad", "missing", "repeated", "bad-option"]))
        if change == "bad":
            pairs.append((target, draw(hostile_text())))
        elif change == "repeated":
            pairs += [(target, draw(hostile_text())) for _ in range(draw(st.integers(2, 4)))]
        elif change == "bad-option":
            pairs += [(target, draw(good[target]) + draw(st.sampled_from(["x", " ", "\x00", "'"])))]
        return pairs

    anything = st.lists(
        st.tuples(
            st.sampled_from(names + GENERIC_PARAMS + ["csrf_token", "x" * 300]),
            st.one_of(hostile_text(), *good.values()),
        ),
        max_size=12,
    )
    return st.one_of(one_bad(), one_bad(), one_bad(), anything)


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    hostile_text(),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def api_bodies():
    """JSON bodies: plausible objects with wrong types here and there, and bodies that are not JSON at all."""
    plausible = {
        "title": st.sampled_from(["A question about vector comparability", "Hi"]) | hostile_text(),
        "body": st.just("Details of the question.") | hostile_text(),
        "text": st.just("Comparability of a lentiviral vector") | hostile_text(),
        "topics": st.lists(st.sampled_from(["gene-therapy", "car-t", "nope"]), max_size=3),
        "visibility": st.sampled_from(["public", "confidential", "secret"]),
        "k": st.integers(-5, 60),
        "role": st.sampled_from(["regulator", "clinician", "admin"]),
        "country": st.sampled_from(["DE", "FR", "ZZ"]),
        "language": st.sampled_from(["en", "xx"]),
        "verified_only": st.booleans(),
        "balanced": st.booleans(),
        "preferred_countries": st.lists(st.sampled_from(["DE", "IT", "XX"]), max_size=3),
        "preferred_languages": st.lists(st.sampled_from(["en", "de", "xx"]), max_size=3),
        "exclude_organisations": st.lists(hostile_text(), max_size=3),
    }
    objects = st.fixed_dictionaries({}, optional={k: v | json_value for k, v in plausible.items()})
    objects = st.builds(
        lambda body, extra: {**body, **extra},
        objects,
        st.dictionaries(st.sampled_from(API_KEYS) | st.text(max_size=8), json_value, max_size=3),
    )
    raw = st.sampled_from(
        [
            "[" * 5_000,
            '{"a":' * 3_000,
            "{",
            '"text"',
            "null",
            "1e999999",
            "[1,2]",
            '{"text": NaN}',
            "\x00",
            "",
            '{"text": "\\ud800"}',
            "\xff\xfe",
        ]
    )
    return st.one_of(
        objects.map(json.dumps),
        objects.map(json.dumps),
        objects.map(json.dumps),
        json_value.map(json.dumps),
        raw,
        st.text(max_size=200),
    )


# --- Running cases -----------------------------------------------------------------------------------------


class Fuzzer:
    """The app under fuzz, its logged-in clients, and what the crawl learnt about its forms."""

    def __init__(self, app, world, errors):
        self.app, self.world, self.errors = app, world, errors
        self.clients = {"anonymous": app.test_client(), "dev": app.test_client(), "admin": app.test_client()}
        self.fields, self.known = {}, {}
        self.statuses = {}
        self.users = ("anonymous", "dev", "admin")
        self.log_in("dev")
        self.log_in("admin")

    def log_in(self, who):
        client = self.clients[who] = self.app.test_client()
        login(client, self.world[who])
        assert client.get("/api/v1/me").status_code == 200, f"{who} could not log in"

    def still_logged_in(self, who):
        """A case may have logged its user out (or worse): log in again so later cases keep their user."""
        if who != "anonymous" and self.clients[who].get("/api/v1/me").status_code != 200:
            self.log_in(who)

    def routes(self):
        found = []
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            found += [Route(rule, method) for method in ("GET", "POST") if method in rule.methods]
        return sorted(found, key=lambda r: (r.runs_last, r.rule, r.method))

    def paths(self, route, pools):
        """One path per real object for a GET route (every id the pools hold)."""
        if not route.variables:
            return [route.build([])]
        choices = []
        for conv, args, name in route.variables:
            if conv == "int":
                key = "webinar_question_id" if name == "question_id" and route.rule.startswith("/webinars/") else name
                choices.append(self.world["victim_ids"] if name == "user_id" else pools.get(key) or [1])
            elif conv == "any":
                choices.append([args.split(",")[0].strip()])
            else:
                choices.append([SEGMENTS.get(name, "x")])
        width = max(len(c) for c in choices)
        return [route.build([c[i % len(c)] for c in choices]) for i in range(width)]

    def crawl(self):
        """GET every page as every user; keep each form's fields under the endpoint it posts to."""
        adapter = self.app.url_map.bind("localhost")
        pools = _ids()
        for route in self.routes():
            if route.method != "GET" or route.is_api:
                continue
            for path in self.paths(route, pools):
                for who in self.users:
                    response = self.clients[who].get(path)
                    if response.mimetype == "text/html":
                        self._learn(adapter, path, response.get_data(as_text=True))
        self.errors.records.clear()  # the pages themselves are checked by the tests, case by case

    def _learn(self, adapter, page, html):
        parser = Forms()
        parser.feed(html)
        for form in parser.forms:
            path = urlsplit(form["action"] or page).path
            try:
                endpoint, _ = adapter.match(path, method=form["method"])
            except Exception:  # a form posting somewhere outside the app
                continue
            merged = self.fields.setdefault((endpoint, form["method"]), {})
            for name, field in form["fields"].items():
                into = merged.setdefault(name, {"type": field["type"], "options": [], "values": []})
                for key in ("options", "values"):
                    into[key] += [v for v in field[key] if v not in into[key]]
                    self.known.setdefault(name, [])
                    self.known[name] += [v for v in field[key] if v and v not in self.known[name]]

    def check(self, response, what):
        code = "login" if response.status_code == 302 and "/login" in response.location else response.status_code
        self.statuses[code] = self.statuses.get(code, 0) + 1
        logged, self.errors.records = self.errors.records, []
        assert response.status_code < 500, f"{what} answered {response.status_code}"
        assert not logged, f"{what} logged: {logged[0].getMessage()}"

    # One hypothesis run per endpoint, so every endpoint gets its share of cases and a failure names it.
    def run(self, route, users=None):
        users = users or self.users
        pools = _ids()
        path = st.tuples(
            *[_variable(route, c, a, n, pools, self.world["victim_ids"]) for c, a, n in route.variables]
        ).map(route.build)
        if route.is_api:
            body = api_bodies() if route.method == "POST" else st.just(None)
            auth = st.sampled_from(["cookie", "cookie", "token", "garbage", "none"])
            cases = st.tuples(st.sampled_from(users + users[1:]), path, self.query(route), body, auth)
            budget = BUDGET["API"]
        else:
            fields = self.fields.get((route.endpoint, route.method), {})
            data = form_cases(fields, self.known)
            cases = st.tuples(
                st.sampled_from(users + users[1:]),
                path,
                self.query(route),
                data,
                st.sampled_from(["form", "form", "form", "form", "multipart", "json", "raw"]),
            )
            budget = BUDGET[route.method]

        @settings(FUZZ, max_examples=budget)
        @given(case=cases)
        def one_case(case):
            self.send(route, *case)

        one_case()

    def query(self, route):
        names = sorted(set(GENERIC_PARAMS) | set(self.fields.get((route.endpoint, "GET"), {})))
        good = self.fields.get((route.endpoint, "GET"), {})
        values = st.one_of(
            st.sampled_from(HOSTILE_IDS).map(str),
            hostile_text(),
            *[_good(f, n, self.known) for n, f in good.items()],
            st.integers().map(str),
        )
        return st.lists(st.tuples(st.sampled_from(names), values), max_size=6 if route.method == "GET" else 2)

    def send(self, route, who, path, query, data, mode):
        client = self.clients[who]
        what = f"{route.method} {path} as {who}"
        if route.is_api:
            headers = {
                "token": {"Authorization": f"Bearer {self._token()}"},
                "garbage": {"Authorization": "Bearer ' OR 1=1 --"},
            }.get(mode, {})
            if mode in ("token", "garbage", "none"):
                client = self.clients["anonymous"]
            response = client.open(
                path,
                method=route.method,
                query_string=query,
                data=data,
                headers=headers,
                content_type="application/json" if data is not None else None,
            )
        elif route.method == "GET":
            response = client.get(path, query_string=query + list(data))
        else:
            response = self._post(client, path, query, data, mode)
        self.check(response, f"{what} {query!r} {data!r}"[:3000])
        if route.method == "POST":
            self.still_logged_in(who)

    def _post(self, client, path, query, pairs, mode):
        if mode == "json":
            return client.post(path, query_string=query, json=dict(pairs))
        if mode == "raw":
            body = "&".join(f"{k}={v}" for k, v in pairs) + "&%%%=&=\x00&a[]=1&a[b]=2"
            return client.post(
                path,
                query_string=query,
                data=body.encode("utf-8", "surrogatepass"),
                content_type="application/x-www-form-urlencoded",
            )
        if mode == "multipart":
            return client.post(path, query_string=query, data=MultiDict(pairs), content_type="multipart/form-data")
        return client.post(path, query_string=query, data=MultiDict(pairs))

    def _token(self):
        """A live API token of the fuzzing developer (made now: earlier cases may have revoked theirs)."""
        from join4atmp.accounts.models import User
        from join4atmp.accounts.tokens import create_api_token

        if not hasattr(self, "_plain_token"):
            user = db.session.scalar(db.select(User).where(User.email == self.world["dev"]))
            self._plain_token = create_api_token(user, "fuzz-api")[1]
        return self._plain_token

    def baseline(self, fields):
        """Every field with a good value: the form as a person would send it."""
        return [
            (n, (f["options"] or f["values"] or self.known.get(n) or [DEFAULTS.get(f["type"], "3")])[0])
            for n, f in fields.items()
        ]

    @staticmethod
    def is_wall(response):
        return response.status_code in (401, 403, 404, 405) or (
            response.status_code == 302 and "/login" in response.location
        )

    def sweep(self, route):
        """Each hostile value in each field of the form, every other field good, as a user the view lets in."""
        fields = self.fields.get((route.endpoint, "POST"), {})
        found = self._sweep_target(route, fields) if fields else None
        if found is None:
            return
        who, path = found
        for name in fields:
            for value in SWEEP:
                pairs = [(n, value if n == name else v) for n, v in self.baseline(fields)]
                response = self.clients[who].post(path, data=MultiDict(pairs))
                self.check(response, f"POST {path} as {who} with {name}={value!r:.80}")
        self.still_logged_in(who)

    def sweep_query(self, route):
        """Each hostile value in each query parameter the page knows (and page, per_page, q, next)."""
        names = sorted(set(self.fields.get((route.endpoint, "GET"), {})) | {"page", "per_page", "q", "next"})
        for who in [u for u in ("dev", "admin", "anonymous") if u in self.users]:
            path = self.first_path(route)
            if not self.is_wall(self.clients[who].get(path)):
                break
        for name, value in itertools.product(names, QUERY_SWEEP):
            response = self.clients[who].get(path, query_string={name: value})
            self.check(response, f"GET {path}?{name}={value!r:.40} as {who}")

    def _sweep_target(self, route, fields):
        for path in self.paths(route, _ids()):
            for who in [u for u in ("dev", "admin", "anonymous") if u in self.users]:
                response = self.clients[who].post(path, data=MultiDict(self.baseline(fields)))
                self.check(response, f"POST {path} as {who}")
                self.still_logged_in(who)
                if not self.is_wall(response):
                    return who, path
        return None

    def reached_the_views(self):
        """The share of cases that got past routing and access checks (to validation or further)."""
        walls = sum(n for code, n in self.statuses.items() if code in (401, 403, 404, 405, "login"))
        return 1 - walls / max(1, sum(self.statuses.values()))

    def first_path(self, route):
        return self.paths(route, _ids())[0]

    def plant_payloads(self):
        """Put each script payload in every text field of every form that stores text, as a user it accepts."""
        for route in self.routes():
            fields = self.fields.get((route.endpoint, "POST"), {})
            texts = [n for n, f in fields.items() if f["type"] in ("text", "textarea", "url") and n != "csrf_token"]
            found = (
                self._sweep_target(route, fields) if route.method == "POST" and texts and not route.runs_last else None
            )
            if found is None:
                continue
            who, path = found
            for payload in SCRIPTS:
                pairs = [(n, payload if n in texts else v) for n, v in self.baseline(fields)]
                self.check(self.clients[who].post(path, data=MultiDict(pairs)), f"POST {path} with {payload!r}")
            self.still_logged_in(who)

    def stored_pages(self):
        """Every page that shows stored content, for every object in the database now."""
        pools = _ids_all()
        for route in self.routes():
            if route.method == "GET" and not route.is_api:
                yield from self.paths(route, pools)


def _ids_all(newest=15):
    """The world's objects and the newest ones the fuzzing made, by URL variable name."""
    from join4atmp.core.mail import OutboxMessage
    from join4atmp.matching.models import MatchRequest
    from join4atmp.profiles.models import ExpertProfile
    from join4atmp.questions.models import Answer, Question
    from join4atmp.webinars.models import Webinar, WebinarQuestion

    def some(model):
        ids = db.session.scalars(db.select(model.id).order_by(model.id)).all()
        return ids[:6] + ids[6:][-newest:]

    return {
        "question_id": some(Question),
        "answer_id": some(Answer),
        "webinar_id": some(Webinar),
        "webinar_question_id": some(WebinarQuestion),
        "profile_id": some(ExpertProfile),
        "request_id": some(MatchRequest),
        "message_id": some(OutboxMessage),
    }


# --- The tests ---------------------------------------------------------------------------------------------


def test_the_script_finder_sees_what_would_run():
    """The stored-script check below is only as good as this parser."""
    assert scripts_in('<script src="/static/js/app.js"></script><a href="/q/1">x</a><p>onerror=1</p>') == []
    for bad in (
        "<script>alert(1)</script>",
        '<script src="https://cdn.example/x.js"></script>',
        '<img src=x onerror="alert(1)">',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="java\tscript:alert(1)">x</a>',
        "<iframe src=x></iframe>",
        "<svg onload=alert(1)>",
    ):
        assert scripts_in(bad), bad


def test_every_field_of_every_form_takes_every_hostile_value(fuzz):
    fuzz.statuses.clear()
    for route in fuzz.routes():
        if route.method == "POST" and not route.is_api:
            fuzz.sweep(route)
    assert sum(fuzz.statuses.values()) > 1000
    assert fuzz.reached_the_views() > 0.9, fuzz.statuses


def test_forms_survive_hostile_input(fuzz):
    fuzz.statuses.clear()
    for route in fuzz.routes():
        if route.method == "POST" and not route.is_api:
            fuzz.run(route)
    assert sum(fuzz.statuses.values()) > 1000
    assert fuzz.reached_the_views() > 0.3, fuzz.statuses


def test_query_strings_survive_hostile_input(fuzz):
    fuzz.statuses.clear()
    for route in fuzz.routes():
        if route.method == "GET":
            fuzz.sweep_query(route)
        if route.method == "GET" and not route.is_api:
            fuzz.run(route)
    assert fuzz.reached_the_views() > 0.3, fuzz.statuses


def test_the_api_survives_hostile_input(fuzz):
    fuzz.statuses.clear()
    for route in fuzz.routes():
        if route.is_api:
            fuzz.run(route)
    assert fuzz.reached_the_views() > 0.5, fuzz.statuses


def test_a_missing_or_forged_csrf_token_is_refused_with_400(fuzz):
    """With CSRF protection on (as in production), no POST without its token is carried out."""
    fuzz.app.config["WTF_CSRF_ENABLED"] = True
    fuzz.statuses.clear()
    try:
        for route in fuzz.routes():
            if route.method != "POST" or route.runs_last:
                continue
            path = fuzz.first_path(route)
            for who, token in itertools.product(("anonymous", "dev", "admin"), (None, "forged", "x" * 5000)):
                client = fuzz.clients[who]
                if route.is_api:
                    response = client.post(
                        path, json={"text": "a question"}, headers={"X-CSRFToken": token} if token else {}
                    )
                else:
                    response = client.post(path, data={"csrf_token": token} if token else {})
                fuzz.check(response, f"{route} as {who} with token {token!r:.20}")
                refused = (400, 401, 403, 404) if who == "anonymous" or route.is_api else (400, 403, 404)
                assert response.status_code in refused or (who == "anonymous" and fuzz.is_wall(response)), (
                    f"{route} as {who} with token {token!r:.20} answered {response.status_code}"
                )
    finally:
        fuzz.app.config["WTF_CSRF_ENABLED"] = False
    assert fuzz.statuses.get(400, 0) > 0.8 * sum(fuzz.statuses.values()), fuzz.statuses


def test_no_stored_script_on_any_page(fuzz):
    """After all the fuzzing (and payloads put through every form on purpose), no page runs foreign script."""
    from join4atmp.questions.models import Answer, Question

    fuzz.plant_payloads()
    for column in (Question.title, Question.body, Answer.body):  # the payloads were stored, as text
        assert db.session.scalar(db.select(db.func.count()).where(column.contains("<script>alert(1)</script>")))
    pages = 0
    for path in fuzz.stored_pages():
        for who in fuzz.users:
            response = fuzz.clients[who].get(path)
            fuzz.check(response, f"GET {path} as {who}")
            if response.mimetype == "text/html":
                pages += 1
                found = scripts_in(response.get_data(as_text=True))
                assert not found, f"{path} as {who} holds {found[:3]}"
    assert pages > 50


# --- Reproductions of what the fuzzing found ---------------------------------------------------------------


@pytest.fixture
def dev_client(app, client):
    make_user("dev@sme.example")
    login(client, "dev@sme.example")
    return client


def test_an_id_beyond_64_bits_is_404_not_a_database_overflow(dev_client):
    for path in (
        f"/questions/{10**30}",
        f"/api/v1/experts/{2**63}",
        f"/webinars/{2**63}",
        f"/api/v1/questions/{2**63}",
    ):
        assert dev_client.get(path).status_code == 404, path
    assert dev_client.post(f"/account/tokens/{2**63}/revoke").status_code == 404


def test_a_huge_page_number_is_no_database_overflow(dev_client):
    for path in ("/questions", "/experts", "/webinars", "/api/v1/questions", "/api/v1/experts"):
        response = dev_client.get(path, query_string={"page": str(10**30)})
        assert response.status_code in (200, 400), path


def test_json_nested_deeper_than_the_parser_recurses_is_400(dev_client):
    for path in ("/api/v1/match", "/api/v1/questions"):
        response = dev_client.post(path, data="[" * 5000, content_type="application/json")
        assert response.status_code == 400, path


def test_a_list_or_object_where_the_api_expects_a_choice_is_400(dev_client):
    for name, value in (("role", []), ("country", {}), ("language", ["en"])):
        response = dev_client.post("/api/v1/match", json={"text": "Comparability of a vector", name: value})
        assert response.status_code == 400, name


def test_a_blank_looking_choice_is_refused_and_a_stored_one_matches_nobody(dev_client, model):
    from join4atmp.accounts.services import find_user_by_email
    from join4atmp.questions.services import create_question

    for field, value in (
        ("role", " "),
        ("country", " "),
        ("topics", [" ", "no-such-topic"]),
        ("preferred_countries", [" ", "ZZ"]),
    ):
        response = dev_client.post(
            "/ask",
            data={"title": "Comparability after a change of vector supplier", "visibility": "public", field: value},
        )
        assert response.status_code == 400, field
    question = create_question(
        find_user_by_email("dev@sme.example"), "Comparability after a supplier change", "", [], "public", {"role": " "}
    )  # stored before the form refused it
    assert dev_client.get(f"/questions/{question.id}/experts").status_code == 200
