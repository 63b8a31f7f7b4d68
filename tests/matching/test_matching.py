"""Expert matching: ranking with evidence, conflicts of interest, workload, deactivation, filters,
the index across processes and restarts, and the JSON API."""

import pytest

from join4atmp import create_app, embedding
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.matching import indexing, spaces
from join4atmp.matching.models import MatchRequest, RequestStatus
from join4atmp.matching.services import MatchQuery, find_experts
from join4atmp.profiles.models import DeclaredInterest
from join4atmp.search.live import LiveIndex

from helpers import PASSWORD, IsolatedClient, login, make_config, make_user

VECTOR_QUESTION = (
    "We changed the lentiviral vector supplier for our CAR-T product after phase I; "
    "what comparability data will the competent authority expect before phase II?"
)

EXPERTS = {
    "vector@pei.example": dict(
        role="regulator",
        verified=True,
        organisation="Paul-Ehrlich-Institut",
        country="DE",
        languages=["de", "en"],
        topics=["comparability", "viral-vectors"],
        expertise=(
            "Quality assessor for gene therapy products. I assess lentiviral vector comparability after manufacturing "
            "changes such as a new vector supplier or a new production site, and what analytical data are expected."
        ),
    ),
    "crs@charite.example": dict(
        role="clinician",
        organisation="Charité",
        country="DE",
        languages=["de"],
        topics=["car-t", "safety-monitoring"],
        expertise=(
            "Haematologist treating lymphoma patients with CAR-T cells; management of cytokine release syndrome and "
            "ICANS, and the organisation of a qualified treatment centre."
        ),
    ),
    "cartilage@tissue.example": dict(
        role="developer",
        organisation="ChondroMatrix GmbH",
        country="AT",
        topics=["tissue-engineering"],
        languages=["en"],
        expertise=(
            "Development of a matrix-assisted autologous chondrocyte implant for knee cartilage defects, including "
            "scaffold sterilisation and combination with a medical device."
        ),
    ),
    "sma@families.example": dict(
        role="patient_org",
        organisation="SMA Families Network",
        country="IT",
        topics=["patient-involvement", "gene-therapy"],
        languages=["it", "en"],
        expertise=(
            "Patient advocate for families living with spinal muscular atrophy; access to gene therapy, newborn "
            "screening and reimbursement decisions across Europe."
        ),
    ),
    "exemption@aemps.example": dict(
        role="regulator",
        verified=True,
        organisation="AEMPS",
        country="ES",
        topics=["hospital-exemption"],
        languages=["es", "en"],
        expertise=(
            "Assessor for hospital exemption authorisations of academic CAR-T products in Spain, and the quality "
            "requirements for non-routine manufacture in hospitals."
        ),
    ),
}


@pytest.fixture
def experts(app, model):
    people = {email: make_user(email, **dict(spec)) for email, spec in EXPERTS.items()}
    asker = make_user(
        "asker@nordvector.example",
        organisation="Nordvector Therapeutics AB",
        country="SE",
        expertise="SME developing a CAR-T product with a lentiviral vector.",
    )
    indexing.reindex_all()
    people["asker"] = asker
    return people


def ranked(query, asker=None, **filters):
    return [m.profile.user.email for m in find_experts(MatchQuery(text=query, **filters), asker)]


def test_the_expert_whose_evidence_matches_comes_first_with_the_sentence_that_matched(experts):
    matches = find_experts(MatchQuery(text=VECTOR_QUESTION, k=3), experts["asker"])
    assert matches[0].profile.user.email == "vector@pei.example"
    marked = [s["text"] for item in matches[0].evidence for s in item["segments"] if s["match"]]
    assert 1 <= len(marked) <= 3 and any("comparability" in s for s in marked)
    assert ranked("cartilage repair in the knee with a scaffold", k=1) == ["cartilage@tissue.example"]
    assert ranked("How do I treat cytokine release syndrome after CAR-T infusion?", k=1) == ["crs@charite.example"]


def test_the_asker_is_never_proposed(experts):
    assert "asker@nordvector.example" not in ranked(VECTOR_QUESTION, experts["asker"], k=10)
    assert "asker@nordvector.example" in ranked(VECTOR_QUESTION, None, k=10)


def test_colleagues_by_organisation_name_or_email_domain_are_excluded(experts):
    make_user(
        "colleague@other-mail.example",
        organisation="NordVector Therapeutics",
        expertise=EXPERTS["vector@pei.example"]["expertise"],
    )
    make_user(
        "same.domain@nordvector.example",
        organisation="A subsidiary",
        expertise=EXPERTS["vector@pei.example"]["expertise"],
    )
    indexing.reindex_all()
    everyone = ranked(VECTOR_QUESTION, experts["asker"], k=20)
    assert "colleague@other-mail.example" not in everyone and "same.domain@nordvector.example" not in everyone
    assert "colleague@other-mail.example" in ranked(VECTOR_QUESTION, None, k=20)


def test_an_interest_declared_in_the_askers_organisation_excludes(experts):
    profile = experts["vector@pei.example"].profile
    profile.interests.append(DeclaredInterest(organisation="Nordvector", kind="consultancy", is_public=False))
    db.session.commit()
    assert "vector@pei.example" not in ranked(VECTOR_QUESTION, experts["asker"], k=10)


def test_excluded_organisations_cover_staff_and_declared_interests(experts):
    experts["crs@charite.example"].profile.interests.append(
        DeclaredInterest(organisation="Helvetia Cell Sciences AG", kind="advisory_board")
    )
    db.session.commit()
    result = ranked(
        VECTOR_QUESTION,
        experts["asker"],
        k=10,
        exclude_organisations=["Paul-Ehrlich-Institut", "Helvetia Cell Sciences"],
    )
    assert "vector@pei.example" not in result and "crs@charite.example" not in result
    assert "exemption@aemps.example" in result
    # generic words alone are no conflict
    assert "crs@charite.example" in ranked(
        VECTOR_QUESTION, experts["asker"], k=10, exclude_organisations=["University"]
    )


def test_free_text_exclusions_cannot_probe_private_interests(experts):
    """Issue 13, item 5: excluding a name dropped exactly the expert who declared it privately."""
    profile = experts["vector@pei.example"].profile
    profile.interests.append(DeclaredInterest(organisation="Acme Gene Therapies", kind="employment", is_public=False))
    db.session.commit()
    asker = experts["asker"]
    assert "vector@pei.example" in ranked(VECTOR_QUESTION, asker, k=10, exclude_organisations=["Acme Gene Therapies"])
    profile.interests[-1].is_public = True
    db.session.commit()
    assert "vector@pei.example" not in ranked(VECTOR_QUESTION, asker, k=10, exclude_organisations=["Acme Gene"])


def test_unavailable_and_fully_loaded_experts_are_skipped(experts):
    experts["vector@pei.example"].profile.accepting_requests = False
    db.session.commit()
    assert "vector@pei.example" not in ranked(VECTOR_QUESTION, experts["asker"], k=10)
    profile = experts["exemption@aemps.example"].profile
    profile.max_open_requests = 1
    _open_request(profile, experts["asker"])
    assert "exemption@aemps.example" not in ranked(VECTOR_QUESTION, experts["asker"], k=10)


def _open_request(profile, asker, status=RequestStatus.INVITED):
    from join4atmp.questions.services import create_question

    question = create_question(asker, "An earlier question about vectors", "", [], "public")
    db.session.add(
        MatchRequest(question=question, profile_id=profile.id, rank=1, score=1.0, status=status, deadline=utcnow())
    )
    db.session.commit()


def test_among_near_equal_scores_the_less_loaded_expert_comes_first(experts, app):
    text = "Potency assay development for a mesenchymal stromal cell product, release and stability testing."
    twin_a = make_user("twin.a@one.example", organisation="One", expertise=text, max_open_requests=4)
    twin_b = make_user("twin.b@two.example", organisation="Two", expertise=text, max_open_requests=4)
    indexing.reindex_all()
    first = ranked(text, experts["asker"], k=2)
    assert set(first) == {"twin.a@one.example", "twin.b@two.example"}
    busy = twin_a if first[0] == "twin.a@one.example" else twin_b
    _open_request(busy.profile, experts["asker"])
    assert ranked(text, experts["asker"], k=2)[1] == busy.email


def test_the_rules_read_the_candidates_in_a_fixed_number_of_queries(experts):
    """Checking candidates one by one cost one query each (1,008 for the 1,000 candidates of a search)."""
    from sqlalchemy import event

    from join4atmp.matching.services import apply_rules

    ids = [user.profile.id for email, user in experts.items() if email != "asker"]
    statements = []

    def count(*args):
        statements.append(1)

    def queries_for(candidates):
        db.session.expire_all()
        asker = db.session.get(type(experts["asker"]), experts["asker"].id)
        asker.profile  # the asker's own rows are read once, whatever the candidates
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            matches = apply_rules([(pid, 0.5) for pid in candidates], MatchQuery(text="x"), asker)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert {m.profile.id for m in matches} == set(candidates)
        assert all(m.profile.user.email for m in matches)  # loaded with them
        return len(statements)

    assert queries_for(ids[:2]) == queries_for(ids) <= 5


def test_deactivated_experts_are_never_returned_even_by_a_stale_index(experts):
    indexing.live_index().current()  # this process's index still holds the expert's passages
    experts["vector@pei.example"].is_active_account = False
    db.session.commit()
    assert "vector@pei.example" not in ranked(VECTOR_QUESTION, experts["asker"], k=10)


def test_unverified_regulators_and_unlisted_profiles_are_not_proposed(experts):
    experts["vector@pei.example"].verified_at = None
    experts["crs@charite.example"].profile.is_listed = False
    db.session.commit()
    result = ranked(VECTOR_QUESTION, experts["asker"], k=10)
    assert "vector@pei.example" not in result and "crs@charite.example" not in result


def test_filters_and_the_balanced_panel(experts):
    assert set(ranked(VECTOR_QUESTION, experts["asker"], k=10, role="regulator")) == {
        "vector@pei.example",
        "exemption@aemps.example",
    }
    assert ranked(VECTOR_QUESTION, experts["asker"], k=10, country="IT") == ["sma@families.example"]
    assert ranked(VECTOR_QUESTION, experts["asker"], k=10, language="es") == ["exemption@aemps.example"]
    assert "crs@charite.example" not in ranked(VECTOR_QUESTION, experts["asker"], k=10, verified_only=True)
    plain = ranked(VECTOR_QUESTION, experts["asker"], k=3)
    panel = find_experts(MatchQuery(text=VECTOR_QUESTION, k=3, balanced=True), experts["asker"])
    assert {m.profile.user.role.value for m in panel} == {"regulator", "clinician", "patient_org"}
    assert "sma@families.example" not in plain  # the panel changed the choice


def test_preferences_lift_without_excluding(experts):
    base = find_experts(MatchQuery(text=VECTOR_QUESTION, k=10), experts["asker"])
    lifted = find_experts(MatchQuery(text=VECTOR_QUESTION, k=10, preferred_countries=["IT"]), experts["asker"])
    before = {m.profile.user.email: m.score for m in base}
    after = {m.profile.user.email: m.score for m in lifted}
    assert set(before) == set(after)
    assert after["sma@families.example"] == pytest.approx(before["sma@families.example"] * 1.05)


def test_a_profile_edit_updates_the_index_after_its_commit(experts, client):
    login(client, "cartilage@tissue.example")
    client.post(
        "/profile",
        data={
            "display_name": "Cartilage Dev",
            "country": "AT",
            "max_open_requests": "3",
            "accepting_requests": "y",
            "is_listed": "y",
            "expertise": "Expert in lentiviral vector comparability after a change of vector supplier.",
        },
    )
    assert ranked(VECTOR_QUESTION, experts["asker"], k=2)[0] in {"cartilage@tissue.example", "vector@pei.example"}
    assert "cartilage@tissue.example" not in ranked("cartilage repair in the knee with a scaffold", k=1)


def test_a_stale_second_process_catches_up(experts, tmp_path):
    orphan = "regulatory strategy for orphan designation of enzyme replacement therapies"
    other = create_app(make_config(tmp_path))  # another worker on the same database
    profile = experts["cartilage@tissue.example"].profile
    with other.app_context():
        vector = embedding.encoder().encode_one(orphan)
        assert indexing.live_index().current().rank(vector)[0][0] != profile.id
        db.session.remove()
    profile.expertise = "Regulatory strategy for orphan designation of enzyme replacement therapies."
    db.session.commit()
    indexing.reindex_profiles([profile.id])  # this process changed it
    with other.app_context():
        index = indexing.live_index().current()  # the other one notices before its next search
        assert index.version == spaces.index_version()
        assert index.rank(vector)[0][0] == profile.id
        db.session.remove()


def test_the_index_is_persisted_and_reused_after_a_restart(experts, tmp_path, monkeypatch):
    indexing.live_index().current()
    cache = indexing.live_index().cache_path
    assert cache.with_suffix(".faiss").exists()
    restarted = create_app(make_config(tmp_path))
    rebuilds = []
    monkeypatch.setattr(LiveIndex, "_rebuild", lambda self, version: rebuilds.append(version))
    with restarted.app_context():
        index = indexing.live_index().current()
        assert rebuilds == [] and len(index) > 0
        vector = embedding.encoder().encode_one(VECTOR_QUESTION)
        assert index.rank(vector)[0][0] == experts["vector@pei.example"].profile.id
        db.session.remove()


def test_a_cache_from_another_database_is_not_trusted(experts, tmp_path):
    indexing.live_index().current()
    fresh = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'other.db'}"))
    with fresh.app_context():
        db.create_all()
        assert len(indexing.live_index().current()) == 0
        db.session.remove()
        db.engine.dispose()


def test_the_api_returns_the_same_ranking_as_the_service(experts, client):
    from join4atmp.accounts.tokens import create_api_token

    expected = ranked(VECTOR_QUESTION, experts["asker"], k=3)
    _, plain = create_api_token(experts["asker"], "tests")
    response = client.post(
        "/api/v1/match", json={"text": VECTOR_QUESTION, "k": 3}, headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code == 200, response.json
    items = response.json["items"]
    assert [i["expert"]["display_name"] for i in items] == [experts[e].profile.display_name for e in expected]
    assert items[0]["evidence"] and "email" not in items[0]["expert"]


def test_the_api_validates_input_and_needs_a_login(experts, app):
    from join4atmp.accounts.tokens import create_api_token

    _, plain = create_api_token(experts["asker"], "tests")
    auth = {"Authorization": f"Bearer {plain}"}
    client = app.test_client()
    assert client.post("/api/v1/match", json={"text": VECTOR_QUESTION}).status_code == 401
    for body in (
        {},
        {"text": ""},
        {"text": VECTOR_QUESTION, "k": 0},
        {"text": VECTOR_QUESTION, "k": "5"},
        {"text": VECTOR_QUESTION, "role": "admin"},
        {"text": VECTOR_QUESTION, "balanced": "yes"},
        {"text": VECTOR_QUESTION, "exclude_organisations": "Acme"},
        [1, 2],
    ):
        response = client.post("/api/v1/match", json=body, headers=auth)
        assert response.status_code == 400 and "error" in response.json, body
    assert client.post("/api/v1/match", data="not json", headers=auth).status_code == 400


def test_cookie_clients_need_the_csrf_header_for_the_api(tmp_path, model):
    app = create_app(make_config(tmp_path, WTF_CSRF_ENABLED=True))
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        make_user("cookie@uni.example")
        client = app.test_client()
        login_page = client.get("/login").data.decode()
        csrf = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"email": "cookie@uni.example", "password": PASSWORD, "csrf_token": csrf})
        page = client.get("/account").data.decode()  # a new session at login: a new token
        csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert client.post("/api/v1/match", json={"text": VECTOR_QUESTION}).status_code == 400
        assert (
            client.post("/api/v1/match", json={"text": VECTOR_QUESTION}, headers={"X-CSRFToken": csrf}).status_code
            == 200
        )
        db.session.remove()


def test_highlighted_evidence_is_the_persons_own_words_never_the_index_glue(experts):
    """The statement passage carries the topics and the organisation for the ranking; the page shows only
    what the person wrote."""
    for query in (VECTOR_QUESTION, "cartilage repair in the knee with a scaffold", "gene therapy for children"):
        for match in find_experts(MatchQuery(text=query, k=5), experts["asker"]):
            for item in match.evidence:
                for segment in item["segments"]:
                    assert not segment["text"].startswith("Topics:"), segment
                    if item["source"] == "statement":
                        assert segment["text"] in match.profile.expertise, segment


def test_publication_evidence_highlights_the_abstract_and_shows_the_title_only_as_its_label(experts):
    from join4atmp.profiles import services as profile_services

    cartilage = experts["cartilage@tissue.example"]
    title = "Scaffold sterilisation for a knee cartilage implant"
    profile_services.add_publication(
        cartilage.profile,
        title,
        "Gamma irradiation changed the collagen scaffold's stiffness. Ethylene oxide kept it but left residues.",
        2024,
    )
    indexing.reindex_all()
    [match] = [
        m
        for m in find_experts(MatchQuery(text="sterilising a cartilage scaffold", k=5))
        if m.profile.id == cartilage.profile.id
    ]
    [item] = [i for i in match.evidence if i["source"] == "publication"]
    assert item["title"] == title
    texts = [segment["text"] for segment in item["segments"]]
    assert texts and all(title not in text for text in texts), texts  # the title is the label, not a sentence
    assert any(segment["match"] for segment in item["segments"])
