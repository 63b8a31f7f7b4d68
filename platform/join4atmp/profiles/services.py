"""Profile rules: editing, publications, declared interests, and who the directory lists."""

import re
import unicodedata
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from ..accounts.models import User
from ..core import consent, fulltext, taxonomy
from ..core.errors import DomainError, NotFound
from ..core.roles import Role
from ..core.signals import profile_changed
from ..extensions import db
from .models import DeclaredInterest, ExpertProfile, ProfileLanguage, ProfileTopic, Publication

ROLE_FIELDS = {
    Role.REGULATOR: ("authority",),
    Role.CLINICIAN: ("specialty", "hospital"),
    Role.DEVELOPER: ("organisation_type", "development_stage"),
    Role.PATIENT_ORG: ("disease_areas", "members_represented"),
    Role.ADMIN: (),
}
ALL_ROLE_FIELDS = {field for fields in ROLE_FIELDS.values() for field in fields}
TEXT_FIELDS = {"display_name", "organisation", "expertise"}
COMMON_FIELDS = (
    "display_name",
    "organisation",
    "country",
    "expertise",
    "accepting_requests",
    "max_open_requests",
    "is_listed",
)


@lru_cache(maxsize=8192)  # the rules compare the asker's organisation with every candidate's, on every results page
def normalise_organisation(name: str) -> str:
    """Compare organisation names ignoring case, accents, punctuation and legal forms."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"\b(the|gmbh|ag|ab|as|sa|sas|srl|spa|bv|nv|ltd|limited|plc|inc|oy|aps|sl)\b", " ", text)
    return " ".join(text.split())


def _check_choices(values, allowed, field):
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise DomainError(_l("Unknown choice: %(value)s", value=", ".join(unknown)), field)


def update_profile(profile: ExpertProfile, data: dict):
    """Save the common fields and the fields of the owner's role; ignore other roles' fields."""
    topics, languages = data.get("topics") or [], data.get("languages") or []
    _check_choices(topics, taxonomy.TOPICS, "topics")
    _check_choices(languages, taxonomy.LANGUAGE_CODES, "languages")
    if data.get("show_contact") and not (data.get("contact_email") or "").strip():
        raise DomainError(_l("Give the contact email to show."), "contact_email")
    country = data.get("country")
    if country not in taxonomy.COUNTRY_CODES and country != taxonomy.OTHER_COUNTRY:
        raise DomainError(_l("Choose a country from the list."), "country")
    for field in COMMON_FIELDS:
        if field in data:
            value = data[field]
            if field in TEXT_FIELDS:
                value = (value or "").strip()
            setattr(profile, field, value)
    for field in ROLE_FIELDS[profile.user.role]:
        value = data.get(field)
        setattr(profile, field, (value.strip() or None) if isinstance(value, str) else value)
    profile.topics = topics
    profile.languages = languages
    _set_contact(profile, data)
    profile_changed.send(profile)
    db.session.commit()


def _set_contact(profile, data):
    """The public contact email, shown only with the member's consent (recorded with the notice version)."""
    if "contact_email" not in data and "show_contact" not in data:
        return
    profile.contact_email = (data.get("contact_email") or "").strip() or None
    consent.set_consent(profile.user, consent.PUBLIC_CONTACT, bool(data.get("show_contact")))


def public_contact(profile, consented: bool | None = None) -> str | None:
    """The contact email visitors may see: only while consent to show it is in force (``consented``,
    when the caller has read it already)."""
    if not profile.contact_email:
        return None
    if consented is None:
        consented = consent.has_consent(profile.user, consent.PUBLIC_CONTACT)
    return profile.contact_email if consented else None


def add_publication(profile, title, abstract="", year=None, doi=None, url=None) -> Publication:
    publication = Publication(
        profile=profile,
        title=title.strip(),
        abstract=(abstract or "").strip(),
        year=year,
        doi=doi or None,
        url=url or None,
    )
    db.session.add(publication)
    profile_changed.send(profile)
    db.session.commit()
    return publication


def delete_publication(profile, publication_id):
    _delete_item(profile, Publication, publication_id, _l("No such publication."))


def _delete_item(profile, model, item_id, missing):
    """Delete one of the profile's own items; another profile's item is as good as missing."""
    item = db.session.get(model, item_id)
    if item is None or item.profile_id != profile.id:
        raise NotFound(missing)
    db.session.delete(item)
    profile_changed.send(profile)
    db.session.commit()


def add_interest(profile, organisation, kind, start_year=None, end_year=None, is_public=True) -> DeclaredInterest:
    if kind not in taxonomy.INTEREST_KINDS:
        raise DomainError(_l("Choose a kind of interest from the list."), "kind")
    interest = DeclaredInterest(
        profile=profile,
        organisation=organisation.strip(),
        kind=kind,
        start_year=start_year,
        end_year=end_year,
        is_public=is_public,
    )
    db.session.add(interest)
    profile_changed.send(profile)
    db.session.commit()
    return interest


def delete_interest(profile, interest_id):
    _delete_item(profile, DeclaredInterest, interest_id, _l("No such declared interest."))


def listed_condition():
    """Who appears in the directory and the API: confirmed, active, complete, listed members;
    never admins; regulators only once an admin has verified them."""
    return and_(
        User.is_active_account.is_(True),
        User.email_confirmed_at.is_not(None),
        User.role != Role.ADMIN,
        ExpertProfile.is_listed.is_(True),
        ExpertProfile.display_name != "",
        ExpertProfile.country.is_not(None),
        ExpertProfile.expertise != "",
        or_(User.role != Role.REGULATOR, User.verified_at.is_not(None)),
    )


def is_listed(profile: ExpertProfile) -> bool:
    return (
        db.session.scalar(select(ExpertProfile.id).join(User).where(ExpertProfile.id == profile.id, listed_condition()))
        is not None
    )


def directory_query(role=None, country=None, topic=None, language=None, q=None, full=False):
    """The listed profiles matching the filters, verified first, then by name, with what a card shows
    loaded in a constant number of statements (with ``full``, also what ``public_profile`` shows)."""
    related = [ExpertProfile.topic_links, ExpertProfile.language_links]
    if full:
        related += [ExpertProfile.publications, ExpertProfile.interests]
    query = (
        select(ExpertProfile)
        .join(User)
        .where(listed_condition())
        .options(contains_eager(ExpertProfile.user), *(selectinload(r) for r in related))
    )
    if role:
        query = query.where(User.role == Role(role))
    if country:
        query = query.where(ExpertProfile.country == country)
    if topic:
        query = query.where(ExpertProfile.topic_links.any(ProfileTopic.slug == topic))
    if language:
        query = query.where(ExpertProfile.language_links.any(ProfileLanguage.code == language))
    words = fulltext.matches(ExpertProfile, q)
    if words is not None:
        query = query.where(words)
    return query.order_by(User.verified_at.is_(None), ExpertProfile.display_name, ExpertProfile.id)


def public_profiles(profiles: list[ExpertProfile]) -> list[dict]:
    """``public_profile`` of each, with the contact consents read in one statement."""
    consenting = consent.consenting_users([p.user_id for p in profiles], consent.PUBLIC_CONTACT)
    return [public_profile(p, contact_consent=p.user_id in consenting) for p in profiles]


def public_profile(profile: ExpertProfile, contact_consent: bool | None = None) -> dict:
    """The public view of a profile (page and API): never the email, never private interests."""
    user = profile.user
    data = {
        "id": profile.id,
        "display_name": profile.display_name,
        "role": user.role.value,
        "verified": user.is_verified,
        "organisation": profile.organisation,
        "country": profile.country,
        "languages": profile.languages,
        "topics": profile.topics,
        "expertise": profile.expertise,
        "accepting_requests": profile.accepting_requests,
        "publications": [
            {"title": p.title, "abstract": p.abstract, "year": p.year, "doi": p.doi, "url": p.url}
            for p in profile.publications
        ],
        "declared_interests": [
            {"organisation": i.organisation, "kind": i.kind, "start_year": i.start_year, "end_year": i.end_year}
            for i in profile.interests
            if i.is_public
        ],
    }
    for field in ROLE_FIELDS[user.role]:
        data[field] = getattr(profile, field)
    contact = public_contact(profile, contact_consent)
    if contact:
        data["contact_email"] = contact
    return data


# Figures other areas add to a profile page (matching: how quickly the expert answers requests), each
# fn(profile) -> {name: value}; registered when those areas are imported.
_page_figures = []


def register_page_figures(fn):
    _page_figures.append(fn)
    return fn


def page_figures(profile) -> dict:
    return {name: value for fn in _page_figures for name, value in fn(profile).items()}
