"""Why an expert was proposed: the one to three sentences of their evidence closest to the question."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..profiles.models import Publication
from ..questions.models import Answer
from ..search.passages import split_sentences
from .models import EvidencePassage
from .spaces import calibrated, live_index, space_encoder

SOURCE_LABELS = {"statement": _l("Profile"), "publication": _l("Publication"), "answer": _l("Answer on the platform")}


def explain_matches(matches, parts, passages_per_expert=1, max_sentences=3):
    """Fill ``match.evidence`` for each match: [{source, title, segments: [{text, match}]}]. ``parts``: the
    question's ``spaces.query_parts``; each passage is compared with the question in its own space."""
    searched = [(part, live_index(part.space).current()) for part in parts]
    best, part_of = {}, {}
    for match in matches:
        found = []
        for part, index in searched:
            for pid, score in index.passages_of(match.profile.id, part.vector, passages_per_expert):
                found.append((float(calibrated(part.space, score)), pid))
                part_of[pid] = part
        best[match.profile.id] = [(pid, score) for score, pid in sorted(found, reverse=True)[:passages_per_expert]]
    ids = [pid for pairs in best.values() for pid, _ in pairs]
    rows = {row.id: row for row in db.session.scalars(select(EvidencePassage).where(EvidencePassage.id.in_(ids)))}
    publications = _publications(rows.values())
    own = _own_words(matches, rows.values(), publications)
    sentences = {pid: _own_sentences(rows[pid], own) for pid in ids if pid in rows}
    scored = {}
    for part, _ in searched:  # one encoding per space, for all the matches' sentences at once
        mine = [pid for pid in ids if pid in sentences and part_of[pid] is part]
        flat = [sentence for pid in mine for sentence in sentences[pid]]
        if flat:
            similarity = iter(calibrated(part.space, space_encoder(part.space).encode(flat) @ part.vector).tolist())
            scored.update((pid, [(s, next(similarity)) for s in sentences[pid]]) for pid in mine)
    titles = {publication_id: title for publication_id, (title, _) in publications.items()}
    for match in matches:
        match.evidence = _evidence(best[match.profile.id], rows, scored, titles, max_sentences)


def _evidence(pairs, rows, scored, titles, max_sentences):
    candidates = [(score, pid, i) for pid, _ in pairs if pid in scored for i, (_, score) in enumerate(scored[pid])]
    if not candidates:
        return []
    top = sorted(candidates, reverse=True)
    cutoff = top[0][0] - 0.15 * abs(top[0][0])  # sentences about as close as the best one (scores may be < 0)
    marked = {(pid, i) for score, pid, i in top[:max_sentences] if score >= cutoff}
    evidence = []
    for pid, _ in pairs:
        if pid not in scored or not any(p == pid for p, _ in marked):
            continue
        row = rows[pid]
        evidence.append(
            {
                "source": row.source,
                "label": str(SOURCE_LABELS.get(row.source, row.source)),
                "title": titles.get(row.source_id) if row.source == "publication" else None,
                "segments": [{"text": text, "match": (pid, i) in marked} for i, (text, _) in enumerate(scored[pid])],
            }
        )
    return evidence


def _own_words(matches, rows, publications) -> dict:
    """{(source, id): the person's own text}: a statement's expertise (without the topics and organisation
    the index adds to it), an answer's body (without the question's title), a publication's abstract
    (without its title, which the evidence shows as its label)."""
    own = {("statement", m.profile.id): m.profile.expertise for m in matches}
    own.update((("publication", pid), abstract) for pid, (_, abstract) in publications.items())
    answer_ids = {row.source_id for row in rows if row.source == "answer" and row.source_id}
    if answer_ids:
        bodies = db.session.execute(select(Answer.id, Answer.body).where(Answer.id.in_(answer_ids))).all()
        own.update((("answer", answer_id), body) for answer_id, body in bodies)
    return own


def _own_sentences(row, own) -> list[str]:
    """The passage's sentences that are the person's own words; all of them when none can be told apart."""
    sentences = split_sentences(row.text)
    key = ("statement", row.profile_id) if row.source == "statement" else (row.source, row.source_id)
    text = own.get(key)
    if text is None:
        return sentences
    kept = [sentence for sentence in sentences if sentence in text]
    return kept or sentences


def _publications(rows) -> dict:
    """{publication id: (title, abstract)} for the publication passages among ``rows``."""
    ids = {row.source_id for row in rows if row.source == "publication" and row.source_id}
    if not ids:
        return {}
    query = select(Publication.id, Publication.title, Publication.abstract).where(Publication.id.in_(ids))
    return {pid: (title, abstract or "") for pid, title, abstract in db.session.execute(query).all()}


def marked_sentences(evidence) -> list[str]:
    return [s["text"] for item in evidence for s in item["segments"] if s["match"]]
