"""Demo data: realistic expert profiles (written for this project) and one login per role."""

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.passwords import hash_password
from ..accounts.services import create_user, find_user_by_email
from ..core import roles
from ..core.time import utcnow
from ..extensions import db
from ..profiles.models import DeclaredInterest, Publication
from ..questions import services as questions
from ..questions.models import Question
from ..webinars.models import Webinar
from ..webinars.services import create_webinar, publish_webinar

DATA_FILE = Path(__file__).with_name("experts.json")
THREADS_FILE = Path(__file__).with_name("threads.json")
ADMIN_EMAIL = "admin@join4atmp.example"


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(User)) == 0


def load_demo(password: str, progress=None) -> tuple[int, int]:
    """Create the demo admin and experts that do not exist yet. Returns (created, skipped)."""
    experts = json.loads(DATA_FILE.read_text(encoding="utf-8"))["experts"]
    created = skipped = 0
    shared_hash = hash_password(password)
    if not find_user_by_email(ADMIN_EMAIL):
        create_user(
            ADMIN_EMAIL,
            password,
            "admin",
            display_name="Platform team",
            confirmed=True,
            verified=True,
            password_hash=shared_hash,
        )
        created += 1
    for entry in experts:
        if find_user_by_email(entry["email"]):
            skipped += 1
        else:
            _create_expert(entry, password, shared_hash)
            created += 1
        if progress:
            progress(1)
    db.session.commit()
    return created, skipped


def _create_expert(entry, password, password_hash):
    user = create_user(
        entry["email"],
        password,
        entry["role"],
        display_name=entry["display_name"],
        confirmed=True,
        verified=entry.get("verified", False),
        password_hash=password_hash,
    )
    profile = user.profile
    for field in (
        "organisation",
        "country",
        "expertise",
        "authority",
        "specialty",
        "hospital",
        "organisation_type",
        "development_stage",
        "disease_areas",
        "members_represented",
        "accepting_requests",
        "max_open_requests",
    ):
        if field in entry:
            setattr(profile, field, entry[field])
    profile.topics = entry.get("topics", [])
    profile.languages = entry.get("languages", [])
    profile.updated_at = utcnow()
    for item in entry.get("publications", []):
        profile.publications.append(
            Publication(
                title=item["title"],
                abstract=item.get("abstract", ""),
                year=item.get("year"),
                doi=item.get("doi"),
                url=item.get("url"),
            )
        )
    for item in entry.get("interests", []):
        profile.interests.append(
            DeclaredInterest(
                organisation=item["organisation"],
                kind=item["kind"],
                start_year=item.get("start_year"),
                end_year=item.get("end_year"),
                is_public=item.get("public", True),
            )
        )


def demo_logins() -> list[dict]:
    """The first demo account of each role, for the README and the start page."""
    experts = json.loads(DATA_FILE.read_text(encoding="utf-8"))["experts"]
    firsts = {}
    for entry in experts:
        firsts.setdefault(entry["role"], entry)
    return [{"role": "admin", "email": ADMIN_EMAIL}] + [
        {"role": role, "email": firsts[role]["email"]}
        for role in (r.value for r in roles.MEMBER_ROLES)
        if role in firsts
    ]


def load_demo_threads() -> int:
    """Public Q&A threads between demo members (once: threads whose title exists are skipped)."""
    created = 0
    for thread in json.loads(THREADS_FILE.read_text(encoding="utf-8"))["threads"]:
        if db.session.scalar(select(Question.id).where(Question.title == thread["title"])):
            continue
        question = questions.create_question(
            find_user_by_email(thread["asker"]), thread["title"], thread["body"], thread["topics"], "public"
        )
        for item in thread["answers"]:
            answer = questions.post_answer(question, find_user_by_email(item["author"]), item["body"])
            if item["accepted"]:
                questions.accept_answer(question, answer, question.asker)
        created += 1
    return created


DEMO_WEBINARS = [
    {
        "title": "CAR-T access across the EU: what patients should know",
        "abstract": "Which CAR-T therapies are authorised, where patients can be treated, how cross-border care and "
        "reimbursement work, and what to ask your haematologist. Questions from patient organisations "
        "are answered live.",
        "audience": "Patient organisations, patients and families",
        "language": "en",
        "timezone": "Europe/Brussels",
        "days_ahead": 14,
        "hour": 16,
        "duration_minutes": 90,
        "capacity": 120,
        "topics": ["car-t", "hta-reimbursement", "patient-involvement"],
        "speaker_profiles": [
            "giulia.romano@istitutotumori-it.example",
            "jana.prochazkova@lymfotogether-cz.example",
            "marco.bianchi@aifa-it.example",
        ],
    },
    {
        "title": "Hospital exemption in practice: academic ATMPs in Spain, Germany and the Netherlands",
        "abstract": "Three national views on preparing ATMPs under Article 28 of Regulation (EC) No 1394/2007: "
        "quality expectations, reporting, and the path from exemption to a clinical trial.",
        "audience": "Academic and hospital developers",
        "language": "en",
        "timezone": "Europe/Madrid",
        "days_ahead": 30,
        "hour": 15,
        "duration_minutes": 60,
        "capacity": 80,
        "topics": ["hospital-exemption", "gmp-manufacturing", "point-of-care-manufacturing"],
        "speaker_profiles": [
            "lucia.navarro@aemps-es.example",
            "tobias.reinhardt@pei-de.example",
            "maarten.jansen@lumc-nl.example",
        ],
    },
]


def load_demo_webinars() -> int:
    """Two published upcoming webinars organised by the demo admin (once: existing titles are skipped)."""
    organiser = find_user_by_email(ADMIN_EMAIL)
    created = 0
    for number, item in enumerate(DEMO_WEBINARS, start=1):
        if db.session.scalar(select(Webinar.id).where(Webinar.title == item["title"])):
            continue
        local = (
            (utcnow() + timedelta(days=item["days_ahead"]))
            .replace(tzinfo=ZoneInfo("UTC"))
            .astimezone(ZoneInfo(item["timezone"]))
            .replace(hour=item["hour"], minute=0, second=0, microsecond=0)
        )
        values = {
            key: item[key]
            for key in (
                "title",
                "abstract",
                "audience",
                "language",
                "timezone",
                "duration_minutes",
                "capacity",
                "topics",
                "speaker_profiles",
            )
        }
        values["starts_at"] = local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        values["join_url"] = f"https://meet.join4atmp.example/demo-{number}"
        publish_webinar(create_webinar(organiser, values), organiser)
        created += 1
    return created
