"""Profiles, the directory and who is listed, through services and HTTP."""

from join4atmp.extensions import db
from join4atmp.profiles.models import DeclaredInterest, Publication
from join4atmp.profiles.services import add_interest, add_publication, normalise_organisation

from helpers import login, make_user

PROFILE = {
    "display_name": "Dr Lena Berg",
    "organisation": "Karolinska Institutet",
    "country": "SE",
    "expertise": "AAV biodistribution and shedding studies for first-in-human gene therapy trials.",
    "topics": ["gene-therapy", "biodistribution"],
    "languages": ["sv", "en"],
    "organisation_type": "academic",
    "development_stage": "phase_1",
    "accepting_requests": "y",
    "max_open_requests": "4",
    "is_listed": "y",
}


def test_a_new_member_fills_in_the_profile_and_appears_in_the_directory(client):
    make_user("lena@ki.example", country=None, expertise="")
    login(client, "lena@ki.example")
    assert b"Lena" not in client.get("/experts").data  # incomplete profiles are not listed
    response = client.post("/profile", data=PROFILE)
    assert response.status_code == 302
    directory = client.get("/experts?q=biodistribution").data.decode()
    assert "Dr Lena Berg" in directory and "Karolinska Institutet" in directory
    api = client.get("/api/v1/experts?topic=biodistribution&language=sv").json
    assert [item["display_name"] for item in api["items"]] == ["Dr Lena Berg"]
    item = api["items"][0]
    assert item["organisation_type"] == "academic" and item["topics"] == ["biodistribution", "gene-therapy"]
    assert "email" not in item and "specialty" not in item


def test_profile_form_rejects_unknown_choices_with_messages(client):
    make_user("bad@uni.example")
    login(client, "bad@uni.example")
    for changes in (
        {"country": "XX"},
        {"topics": ["astrology"]},
        {"languages": ["tlh"]},
        {"max_open_requests": "-1"},
        {"display_name": ""},
        {"expertise": "x" * 5001},
    ):
        response = client.post("/profile", data={**PROFILE, **changes})
        assert response.status_code == 400, changes
        assert b'class="errors"' in response.data


def test_fields_of_other_roles_are_ignored(client):
    user = make_user("clin@hosp.example", role="clinician")
    login(client, "clin@hosp.example")
    client.post("/profile", data={**PROFILE, "specialty": "Haematology", "authority": "EMA"})
    db.session.refresh(user.profile)
    assert user.profile.specialty == "Haematology" and user.profile.authority is None


def test_regulators_are_listed_only_once_verified(client):
    regulator = make_user("reg@pei.example", role="regulator", authority="Paul-Ehrlich-Institut")
    assert client.get("/api/v1/experts?role=regulator").json["total"] == 0
    assert client.get(f"/experts/{regulator.profile.id}").status_code == 404
    regulator.verified_at = db.func.now()
    db.session.commit()
    listed = client.get("/api/v1/experts?role=regulator").json["items"]
    assert listed[0]["authority"] == "Paul-Ehrlich-Institut" and listed[0]["verified"] is True


def test_unlisted_profiles_are_visible_to_their_owner_only(app, client):
    hidden = make_user("hidden@uni.example", is_listed=False)
    make_user("nosy@uni.example")
    assert client.get(f"/experts/{hidden.profile.id}").status_code == 404
    assert client.get(f"/api/v1/experts/{hidden.profile.id}").status_code == 404
    login(client, "nosy@uni.example")
    assert client.get(f"/experts/{hidden.profile.id}").status_code == 404
    owner = app.test_client()
    login(owner, "hidden@uni.example")
    page = owner.get(f"/experts/{hidden.profile.id}")
    assert page.status_code == 200 and b"Only you and the platform team" in page.data


def test_private_interests_stay_private(client):
    user = make_user("coi@uni.example")
    add_interest(user.profile, "Helvetia Cell Sciences AG", "advisory_board", 2021, None, True)
    add_interest(user.profile, "Secret Bio Ltd", "shares", 2019, None, False)
    page = client.get(f"/experts/{user.profile.id}").data.decode()
    api = client.get(f"/api/v1/experts/{user.profile.id}").json
    assert "Helvetia Cell Sciences AG" in page and "Secret Bio" not in page
    assert [i["organisation"] for i in api["declared_interests"]] == ["Helvetia Cell Sciences AG"]
    assert "Secret Bio" not in client.get("/api/v1/experts").get_data(as_text=True)


def test_publications_and_interests_are_added_and_removed_by_their_owner_only(app, client):
    owner = make_user("owner@uni.example")
    make_user("intruder@uni.example")
    login(client, "owner@uni.example")
    assert (
        client.post(
            "/profile/publications",
            data={
                "title": "Potency assay matrix for CAR-T",
                "abstract": "We compare...",
                "year": "2023",
                "doi": "https://doi.org/10.5555/abc",
            },
        ).status_code
        == 302
    )
    assert client.post("/profile/publications", data={"title": "No DOI", "doi": "abc"}).status_code == 400
    assert (
        client.post(
            "/profile/interests",
            data={
                "organisation": "Nordvector",
                "kind": "consultancy",
                "start_year": "2022",
                "end_year": "2020",
            },
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/profile/interests",
            data={"organisation": "Nordvector", "kind": "consultancy", "start_year": "2020", "is_public": "y"},
        ).status_code
        == 302
    )
    publication = db.session.scalar(db.select(Publication))
    interest = db.session.scalar(db.select(DeclaredInterest))
    assert publication.doi == "10.5555/abc" and publication.profile_id == owner.profile.id

    intruder = app.test_client()
    login(intruder, "intruder@uni.example")
    assert intruder.post(f"/profile/publications/{publication.id}/delete").status_code == 404
    assert intruder.post(f"/profile/interests/{interest.id}/delete").status_code == 404
    assert db.session.get(Publication, publication.id) is not None

    assert client.post(f"/profile/publications/{publication.id}/delete").status_code == 302
    assert client.post(f"/profile/interests/{interest.id}/delete").status_code == 302
    assert db.session.scalars(db.select(Publication)).all() == []


def test_profile_pages_need_login(client):
    assert client.get("/profile").headers["Location"].startswith("/login?next=/profile")
    assert client.post("/profile/publications", data={"title": "x"}).status_code == 302


def test_directory_filters_and_pagination(app, client):
    app.config["DIRECTORY_PAGE_SIZE"] = 2
    make_user("a@fr.example", role="clinician", country="FR", topics=["car-t"], languages=["fr"])
    make_user("b@fr.example", role="patient_org", country="FR", topics=["patient-involvement"])
    make_user("c@es.example", role="developer", country="ES", topics=["car-t"])
    assert client.get("/api/v1/experts?country=FR").json["total"] == 2
    assert client.get("/api/v1/experts?topic=car-t&country=FR").json["total"] == 1
    assert client.get("/api/v1/experts?role=patient_org").json["total"] == 1
    assert client.get("/api/v1/experts?language=fr").json["total"] == 1
    first, second = client.get("/experts?page=1").data, client.get("/experts?page=2").data
    assert b"Page 1 of 2" in first and b"Page 2 of 2" in second
    assert b'rel="next" href="/experts?page=2' in first
    filtered = client.get("/experts?country=FR&role=clinician").data.decode()
    assert "A" in filtered and "1 expert found" in filtered


def test_directory_and_api_answer_bad_filters_with_400_not_500(client):
    make_user("x@uni.example")
    assert client.get("/experts?country=<script>").status_code == 400
    assert client.get("/experts?page=abc").status_code == 200  # a bad page number falls back to page 1
    for query in ("country=XX", "role=admin", "topic=nope", "language=xx", "page=0", "per_page=9999", "page=a"):
        response = client.get(f"/api/v1/experts?{query}")
        assert response.status_code == 400 and "error" in response.json, query
    assert client.get("/api/v1/experts?q=%25%5F%5C").status_code == 200


def test_search_treats_wildcards_literally(client):
    make_user("pct@uni.example", expertise="Release testing at 100% closed systems.")
    make_user("plain@uni.example", expertise="Cartilage repair.")
    assert client.get("/api/v1/experts?q=100%25").json["total"] == 1
    assert client.get("/api/v1/experts?q=%25").json["total"] == 0  # "%" is no word, and no wildcard


def test_admins_are_never_listed(client):
    make_user("root@platform.example", role="admin")
    assert client.get("/api/v1/experts").json["total"] == 0


def test_services_signal_profile_changes(app):
    from join4atmp.core.signals import profile_changed

    user = make_user("sig@uni.example")
    seen = []
    with profile_changed.connected_to(lambda sender: seen.append(sender.id)):
        add_publication(user.profile, "A title")
    assert seen == [user.profile.id]


def test_organisation_names_are_normalised_for_comparison():
    assert normalise_organisation("Nordvector Therapeutics AB") == normalise_organisation("nordvector  therapeutics")
    assert normalise_organisation("Université Paris-Cité") == "universite paris cite"
