"""Keeping the experts' evidence passages, their vectors and each process's FAISS index up to date.

The database is the source of truth: ``EvidencePassage`` rows hold the vectors and ``IndexChange``
rows version them. Each process keeps a live copy (``search.live``, fed by ``EvidenceSource``); before
every search it compares its version with the database and applies the profiles changed since (or
rebuilds), so several workers stay consistent. The file in ``instance/index/`` is only a cache.
"""

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, func, select

from ..core import queue, taxonomy
from ..core.db import insert_or_update
from ..core.markdown import plain_text
from ..core.time import utcnow
from ..extensions import db
from ..profiles.models import ExpertProfile
from ..questions.models import Answer, Question, Visibility
from ..search.language import language_of
from ..search.passages import own_sentences, split_passages
from .models import EvidencePassage, IndexChange, StaleEvidence
from .spaces import columns, indexed_spaces, live_index, sentence_column, space_encoder, spaces


def evidence_documents(profile: ExpertProfile) -> list[tuple[str, int | None, str, str]]:
    """The documents that describe an expert: (source, source id, text embedded, the person's own words in it).
    The text adds to the own words what ranks but is never highlighted: a statement's topics and organisation,
    a publication's title (shown as its label), the title of the question an answer answers."""
    documents = []
    with force_locale("en"):  # one language for what is embedded, whatever the editor's language
        topics = ", ".join(str(taxonomy.TOPICS[s]) for s in profile.topics if s in taxonomy.TOPICS)
    role_facts = [profile.organisation, profile.authority, profile.specialty, profile.hospital, profile.disease_areas]
    statement = " ".join(
        part
        for part in [
            profile.expertise.strip(),
            f"Topics: {topics}." if topics else "",
            ". ".join(f for f in role_facts if f),
        ]
        if part
    )
    if profile.expertise.strip():
        documents.append(("statement", None, statement, profile.expertise))
    for publication in profile.publications:
        documents.append(
            (
                "publication",
                publication.id,
                ". ".join(part.strip() for part in (publication.title, publication.abstract) if part and part.strip()),
                publication.abstract or "",
            )
        )
    for answer_id, title, body in accepted_answers(profile):
        documents.append(("answer", answer_id, f"{title}. {body}", body))
    return [doc for doc in documents if doc[2].strip()]


def accepted_answers(profile):
    """(answer id, question title, answer body) of the expert's accepted, visible answers to public questions.
    Answers to confidential questions never become evidence, so their text is never shown to others."""
    rows = db.session.execute(
        select(Answer.id, Question.title, Answer.body)
        .join(Question)
        .where(
            Answer.author_id == profile.user_id,
            Answer.is_accepted.is_(True),
            Answer.hidden_at.is_(None),
            Question.visibility == Visibility.PUBLIC,
            Question.hidden_at.is_(None),
        )
    ).all()
    return [tuple(row) for row in rows]


def _passages_for(profiles):
    rows = []
    for profile in profiles:
        for source, source_id, text, own in evidence_documents(profile):
            # one language per document; a statement's from the person's own words, not the topics added to them
            language = language_of(profile.expertise if source == "statement" else text)
            for position, passage in enumerate(split_passages(text)):
                rows.append(
                    EvidencePassage(
                        profile_id=profile.id,
                        source=source,
                        source_id=source_id,
                        position=position,
                        text=passage,
                        language=language,
                        sentences=_shown(source, own_sentences(passage, own)),
                    )
                )
    return rows


def _shown(source, sentences) -> list[str]:
    """The sentences as evidence shows them: an answer's without its Markdown marks."""
    if source != "answer":
        return sentences
    return [text for text in map(plain_text, sentences) if text]


def _embed(rows, progress=None, batch=256):
    """Encode the rows' passages and their own sentences in every configured space (``progress`` counts
    passages, once)."""
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        for space in spaces():
            model = space_encoder(space)
            model_column, vector_column = columns(space)
            passages = _encode_once(model, [row.text for row in chunk])
            sentences = _encode_once(model, [s for row in chunk for s in row.sentences])
            for row in chunk:
                setattr(row, model_column.key, model.name)
                setattr(row, vector_column.key, passages[row.text].tobytes())
                vectors = [sentences[s].astype("float16").tobytes() for s in row.sentences]
                setattr(row, sentence_column(space).key, b"".join(vectors))
        if progress:
            progress(len(chunk))


def _encode_once(model, texts) -> dict:
    """{text: vector}, each distinct text encoded once (a profile's boilerplate sentence repeats)."""
    distinct = list(dict.fromkeys(texts))
    return dict(zip(distinct, model.encode(distinct))) if distinct else {}


def mark_stale(profile_ids):
    """Mark these profiles' evidence for re-embedding, in the caller's transaction, and queue the job
    for after its commit. A mark outlives a lost job: the worker's sweep and ``reindex --if-needed`` honour it."""
    ids = sorted({pid for pid in profile_ids if pid})
    if not ids:
        return
    rows = [{"profile_id": pid, "version": 1, "marked_at": utcnow()} for pid in ids]
    bump = {"version": StaleEvidence.version + 1}
    db.session.execute(insert_or_update(StaleEvidence, StaleEvidence.profile_id, rows, bump))
    from .tasks import reindex_stale

    queue.after_commit(reindex_stale)


def _reembed(profile_ids, progress=None, log_changes=True) -> int:
    """Re-embed these profiles: read their evidence, end the read, encode with no transaction open, then
    replace their passages and clear the marks that were read, in one short write. Returns the passages."""
    seen = dict(
        db.session.execute(
            select(StaleEvidence.profile_id, StaleEvidence.version).where(StaleEvidence.profile_id.in_(profile_ids))
        ).all()
    )
    profiles = db.session.scalars(select(ExpertProfile).where(ExpertProfile.id.in_(profile_ids))).all()
    rows = _passages_for(profiles)
    db.session.commit()  # nothing to write yet: the read ends before the slow part
    _embed(rows, progress)
    existing = set(db.session.scalars(select(ExpertProfile.id).where(ExpertProfile.id.in_(profile_ids))))
    db.session.execute(
        delete(EvidencePassage)
        .where(EvidencePassage.profile_id.in_(profile_ids))
        .execution_options(synchronize_session=False)
    )
    db.session.add_all(row for row in rows if row.profile_id in existing)
    if log_changes:
        db.session.add_all(IndexChange(profile_id=pid) for pid in profile_ids)
    for pid, version in seen.items():  # a mark set again while encoding has a higher version and stays
        db.session.execute(
            delete(StaleEvidence).where(StaleEvidence.profile_id == pid, StaleEvidence.version == version)
        )
    db.session.commit()
    for row in rows:
        if row in db.session:
            db.session.expunge(row)  # the vectors are not needed in this session any more
    return len(rows)


def reindex_profiles(profile_ids, progress=None) -> int:
    """Re-embed the evidence of these profiles, a batch per short write transaction."""
    profile_ids = sorted(set(profile_ids))
    batch = current_app.config["MATCHING_REINDEX_BATCH"]
    return sum(_reembed(profile_ids[start : start + batch], progress) for start in range(0, len(profile_ids), batch))


def reindex_stale(max_rounds=100) -> int:
    """Re-embed every marked profile (the job behind ``mark_stale``). Returns the number of profiles."""
    done = 0
    for _ in range(max_rounds):  # profiles marked again while this runs are taken in the next round
        ids = db.session.scalars(
            select(StaleEvidence.profile_id)
            .order_by(StaleEvidence.marked_at)
            .limit(current_app.config["MATCHING_REINDEX_BATCH"])
        ).all()
        if not ids:
            break
        _reembed(ids)
        done += len(ids)
    return done


def reindex_all(progress=None) -> int:
    """Re-embed every profile's evidence. Returns the number of passages. ``progress(n)`` is called as
    passages are encoded. Searches keep the old passages of profiles not reached yet; every process
    rebuilds its index once at the end."""
    ids = db.session.scalars(select(ExpertProfile.id).order_by(ExpertProfile.id)).all()
    batch = current_app.config["MATCHING_REINDEX_BATCH"]
    total = sum(
        _reembed(ids[start : start + batch], progress, log_changes=False) for start in range(0, len(ids), batch)
    )
    db.session.execute(
        delete(EvidencePassage)
        .where(EvidencePassage.profile_id.not_in(ids))
        .execution_options(synchronize_session=False)
    )
    db.session.add(IndexChange(profile_id=None))
    db.session.commit()
    for space in indexed_spaces():
        live_index(space).rebuild()
    return total


def profiles_needing_index() -> list[int]:
    """Profiles marked stale, and profiles with evidence but no passages from a configured model (e.g. the
    multilingual one, just turned on), or none with sentence vectors (embedded before they were kept)."""
    missing = set()
    for space in spaces():
        column = columns(space)[0]
        current = select(EvidencePassage.profile_id).where(
            column == space_encoder(space).name, sentence_column(space).is_not(None)
        )
        missing.update(
            db.session.scalars(
                select(ExpertProfile.id).where(ExpertProfile.expertise != "", ExpertProfile.id.not_in(current))
            ).all()
        )
    marked = db.session.scalars(select(StaleEvidence.profile_id)).all()
    return sorted(missing | set(marked))


def mark_missing():
    """Mark for re-embedding the profiles that have no passages from a configured model, and commit."""
    marked = set(db.session.scalars(select(StaleEvidence.profile_id)))
    missing = [pid for pid in profiles_needing_index() if pid not in marked]
    if missing:
        mark_stale(missing)
    db.session.commit()


def index_lag() -> dict:
    """For ``/healthz``: profiles waiting for re-embedding and how long the oldest has waited."""
    count, oldest = db.session.execute(select(func.count(), func.min(StaleEvidence.marked_at))).one()
    return {
        "stale_profiles": count,
        "oldest_stale_seconds": round((utcnow() - oldest).total_seconds(), 1) if oldest else 0.0,
    }


def remove_profile_evidence(profile_id: int):
    """Drop a profile's passages and log the change, so that every process drops them from its index
    before its next search (e.g. when an account is erased). The caller commits."""
    db.session.execute(
        delete(EvidencePassage)
        .where(EvidencePassage.profile_id == profile_id)
        .execution_options(synchronize_session=False)
    )
    db.session.add(IndexChange(profile_id=profile_id))
    mark_stale([profile_id])  # a re-embedding already under way must not write the old evidence back
