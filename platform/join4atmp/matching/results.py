"""A question's ranking, run once and stored, and the experts it proposes now.

Matching a question (encoding it, searching the index, aggregating the evidence) happens once: the ranking
is stored in ``MatchResult`` with the question's vectors. What follows reads it: the results page, the
requests sent from it, the next expert offered after a decline or an expiry. What may change between two
reads is applied afresh each time and encodes nothing: the rules (listed, accepting requests, workload,
conflicts of interest, filters, preferences) and the evidence shown (references to passages; an expert
whose passages were re-embedded since is explained again from the stored vectors).

The ranking runs again when the question or its preferences change, when the asker asks for it, when it is
older than MATCHING_RESULT_HOURS and the index has changed since, and (without being stored) deeper when
the rules rule out too much of a ranking that was cut short.
"""

import hashlib
import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..core.db import insert_or_update
from ..core.time import utcnow
from ..extensions import db
from .explain import choose_evidence, evidence_items
from .models import MatchResult
from .services import MatchQuery, apply_rules, best_eligible, choose, enough, rank_candidates, search
from .spaces import (
    MULTILINGUAL,
    OTHER_LANGUAGES,
    PRIMARY,
    Part,
    index_version,
    live_index,
    query_parts,
    space_encoder,
    spaces,
)

_WRITTEN = "matching.result_written"  # in the session's info: stored() wrote a ranking, not yet committed
_SPACES = {space.name: space for space in (PRIMARY, MULTILINGUAL, OTHER_LANGUAGES)}


def query_for(question, **overrides) -> MatchQuery:
    """The matching query a question stands for, with the preferences its asker chose."""
    prefs = question.match_preferences or {}
    values = {
        "text": question.text,
        "k": prefs.get("k", 5),
        "role": prefs.get("role"),
        "country": prefs.get("country"),
        "language": prefs.get("language"),
        "verified_only": prefs.get("verified_only", False),
        "preferred_countries": prefs.get("preferred_countries", []),
        "preferred_languages": prefs.get("preferred_languages", []),
        "exclude_organisations": prefs.get("exclude_organisations", []),
        "balanced": prefs.get("balanced", False),
        "skip_profile_ids": {r.profile_id for r in question.match_requests},
    }
    values.update(overrides)
    return MatchQuery(**values)


def proposed(question, asker, query: MatchQuery | None = None, explain: bool = True, refresh: bool = False):
    """The experts to propose for ``question`` now (``query``: the question's own, already asked experts
    included), from its stored ranking. Writes the ranking when it runs; the caller commits."""
    query = query or query_for(question, skip_profile_ids=set())
    result = stored(question, refresh)
    chosen = choose(_eligible(result, query, asker), query)
    if explain:
        attach_evidence(result, chosen)
    return chosen


def eligible(question, asker, query: MatchQuery) -> list:
    """Every expert of the stored ranking the rules leave for ``query``, in order (no evidence)."""
    return _eligible(stored(question), query, asker, every=True)


def _eligible(result, query, asker, every=False):
    """The stored ranking's experts the rules leave; only as many as choosing ``query.k`` needs, unless
    ``every``."""
    found = (apply_rules if every else best_eligible)(result.ranking, query, asker)
    if not enough(found, query) and not result.complete:
        found = search(parts_of(result), query, asker)  # look deeper, with the stored vectors
    return found


def stored(question, refresh: bool = False) -> MatchResult:
    """The question's stored ranking, run (and written, not committed) when there is none still good."""
    result = db.session.get(MatchResult, question.id)
    if result is not None and not refresh and _still_good(result, question):
        return result
    parts = query_parts(question.text, primary=_stored_vector(question))
    depth = current_app.config["MATCHING_SEARCH_DEPTH"]
    ranking = rank_candidates(parts, depth)
    keep = current_app.config["MATCHING_STORED_RANKING"]
    values = {
        "signature": signature(question),
        "ranking": [[int(pid), float(score)] for pid, score in ranking[:keep]],
        "complete": len(ranking) <= keep and depth >= max(len(live_index(p.space).current()) for p in parts),
        "evidence": {},
        "spaces": [[part.space.name, int(part.vector.size)] for part in parts],
        "vectors": b"".join(part.vector.astype("float32").tobytes() for part in parts),
        "index_version": index_version(),
        "created_at": utcnow(),
    }
    # One statement that inserts or replaces: two tabs running the same question's match do not collide.
    db.session.execute(
        insert_or_update(MatchResult, MatchResult.question_id, {"question_id": question.id, **values}, values)
    )
    db.session.info[_WRITTEN] = True
    return db.session.scalars(
        select(MatchResult).where(MatchResult.question_id == question.id).execution_options(populate_existing=True)
    ).one()


def commit_written() -> None:
    """Commit what proposing wrote (a ranking run now, evidence explained now), if anything, keeping what the
    session read: the page renders the experts the rules have just read, and would otherwise read each of
    them, their languages and interests again."""
    if not (db.session.info.pop(_WRITTEN, False) or db.session.dirty or db.session.new):
        return
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def attach_evidence(result: MatchResult, matches) -> None:
    """Each match's evidence, from the stored references; the experts without one (never explained, or
    re-embedded since) are explained now from the stored vectors, and the references kept."""
    refs = {int(pid): (passage, marked) for pid, (passage, marked) in (result.evidence or {}).items()}
    items = evidence_items({m.profile.id: refs[m.profile.id] for m in matches if m.profile.id in refs})
    missing = [m.profile.id for m in matches if m.profile.id not in items]
    if missing:
        read = {}
        fresh = choose_evidence(missing, parts_of(result), rows=read)
        items.update(evidence_items(fresh, read))
        result.evidence = {**(result.evidence or {}), **{str(pid): [p, m] for pid, (p, m) in fresh.items()}}
    for match in matches:
        match.evidence = items.get(match.profile.id, [])


def parts_of(result: MatchResult) -> list[Part]:
    import numpy as np  # with the first match, not at every command's start

    vectors = np.frombuffer(result.vectors, dtype=np.float32)
    parts, start = [], 0
    for name, size in result.spaces:
        parts.append(Part(_SPACES[name], vectors[start : start + size]))
        start += size
    return parts


RANKING_SETTINGS = ("MATCHING_AGGREGATION", "MATCHING_SOURCE_OFFSETS", "EMBEDDING_MULTILINGUAL_SOURCE_OFFSETS")


def signature(question) -> str:
    """What the ranking depends on besides the index: the text, the preferences, the encoders and how the
    scores are aggregated (a deploy that changes it reranks the stored questions)."""
    models = [space_encoder(space).name for space in spaces()]
    config = current_app.config
    ranking = [config[key] for key in RANKING_SETTINGS]
    payload = json.dumps(
        [question.text, question.match_preferences or {}, models, ranking], sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _still_good(result, question) -> bool:
    if result.signature != signature(question):
        return False
    young = utcnow() - result.created_at < timedelta(hours=current_app.config["MATCHING_RESULT_HOURS"])
    return young or result.index_version == index_version()


def _stored_vector(question):
    """The question's own vector (public questions keep one for "similar questions"): not encoded twice."""
    if question.vector is None or question.vector_model != space_encoder(PRIMARY).name:
        return None
    import numpy as np

    return np.frombuffer(question.vector, dtype=np.float32)
