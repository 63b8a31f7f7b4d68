"""Demo data: realistic expert profiles (written for this project) and one login per role."""
import json
from pathlib import Path

from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.passwords import hash_password
from ..accounts.services import create_user, find_user_by_email
from ..core.time import utcnow
from ..extensions import db
from ..profiles.models import DeclaredInterest, Publication

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
        create_user(ADMIN_EMAIL, password, "admin", display_name="Platform team", confirmed=True, verified=True,
                    password_hash=shared_hash)
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
    user = create_user(entry["email"], password, entry["role"], display_name=entry["display_name"],
                       confirmed=True, verified=entry.get("verified", False), password_hash=password_hash)
    profile = user.profile
    for field in ("organisation", "country", "expertise", "authority", "specialty", "hospital",
                  "organisation_type", "development_stage", "disease_areas", "members_represented",
                  "accepting_requests", "max_open_requests"):
        if field in entry:
            setattr(profile, field, entry[field])
    profile.topics = entry.get("topics", [])
    profile.languages = entry.get("languages", [])
    profile.updated_at = utcnow()
    for item in entry.get("publications", []):
        profile.publications.append(Publication(
            title=item["title"], abstract=item.get("abstract", ""), year=item.get("year"),
            doi=item.get("doi"), url=item.get("url")))
    for item in entry.get("interests", []):
        profile.interests.append(DeclaredInterest(
            organisation=item["organisation"], kind=item["kind"], start_year=item.get("start_year"),
            end_year=item.get("end_year"), is_public=item.get("public", True)))


def demo_logins() -> list[dict]:
    """The first demo account of each role, for the README and the start page."""
    experts = json.loads(DATA_FILE.read_text(encoding="utf-8"))["experts"]
    firsts = {}
    for entry in experts:
        firsts.setdefault(entry["role"], entry)
    return [{"role": "admin", "email": ADMIN_EMAIL}] + [
        {"role": role, "email": firsts[role]["email"]} for role in ("developer", "regulator", "clinician", "patient_org")
        if role in firsts]


def load_demo_threads() -> int:
    """Public Q&A threads between demo members (once: threads whose title exists are skipped)."""
    from ..questions import services as questions
    from ..questions.models import Question
    created = 0
    for thread in json.loads(THREADS_FILE.read_text(encoding="utf-8"))["threads"]:
        if db.session.scalar(select(Question.id).where(Question.title == thread["title"])):
            continue
        question = questions.create_question(find_user_by_email(thread["asker"]), thread["title"], thread["body"],
                                             thread["topics"], "public")
        for item in thread["answers"]:
            answer = questions.post_answer(question, find_user_by_email(item["author"]), item["body"])
            if item["accepted"]:
                questions.accept_answer(question, answer, question.asker)
        created += 1
    return created
