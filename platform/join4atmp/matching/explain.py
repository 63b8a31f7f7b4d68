"""Why an expert was proposed: the one to three sentences of their evidence closest to the question.

Only the person's own sentences are shown (``EvidencePassage.sentences``: never the topics, organisation or
question title the index adds to a passage); their vectors were computed with the passage's, so explaining a
match is a few dot products and no encoding.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..profiles.models import Publication
from ..search.passages import split_sentences
from .models import EvidencePassage
from .spaces import calibrated, live_index, sentence_column, space_encoder

SOURCE_LABELS = {"statement": _l("Profile"), "publication": _l("Publication"), "answer": _l("Answer on the platform")}
PASSAGES_LOOKED_AT = 3  # an expert's best passages tried in turn, for the first with sentences of their own


def explain_matches(matches, parts, max_sentences=3):
    """Fill ``match.evidence`` for each match: [{source, label, title, segments: [{text, match}]}]. ``parts``:
    the question's ``spaces.query_parts``; each passage is compared with the question in its own space."""
    rows = {}
    chosen = choose_evidence([m.profile.id for m in matches], parts, max_sentences, rows)
    shown = evidence_items(chosen, rows)
    for match in matches:
        match.evidence = shown.get(match.profile.id, [])


def choose_evidence(profile_ids, parts, max_sentences=3, rows=None) -> dict:
    """{profile id: (passage id, [positions of the marked sentences])}: each expert's best passage with
    sentences of their own, and the sentences about as close to the question as the best one. The passages
    read are added to ``rows`` when given ({id: EvidencePassage}, for ``evidence_items``)."""
    searched = [(part, live_index(part.space).current()) for part in parts]
    found = {}
    for profile_id in profile_ids:
        passages = [
            (float(calibrated(part.space, score)), pid, part)
            for part, index in searched
            for pid, score in index.passages_of(profile_id, part.vector, PASSAGES_LOOKED_AT)
        ]
        found[profile_id] = sorted(passages, key=lambda item: -item[0])
    read = _rows({pid for passages in found.values() for _, pid, _ in passages})
    if rows is not None:
        rows.update(read)
    chosen = {}
    for profile_id, passages in found.items():
        for _, pid, part in passages:
            scored = _scored_sentences(read[pid], part) if pid in read else []
            if scored:
                chosen[profile_id] = (pid, _marked(scored, max_sentences))
                break
    return chosen


def evidence_items(chosen, rows=None) -> dict:
    """{profile id: [{source, label, title, segments}]} for ``choose_evidence``'s choice; an expert whose
    passage is gone (re-embedded since) is left out. ``rows``: the passages already read, if any."""
    rows = rows if rows is not None else _rows({pid for pid, _ in chosen.values()})
    titles = _publication_titles(rows.values())
    items = {}
    for profile_id, (pid, marked) in chosen.items():
        row = rows.get(pid)
        if row is None or row.profile_id != profile_id:
            continue
        sentences = row.sentences if row.sentences is not None else split_sentences(row.text)
        items[profile_id] = [
            {
                "source": row.source,
                "label": str(SOURCE_LABELS.get(row.source, row.source)),
                "title": titles.get(row.source_id) if row.source == "publication" else None,
                "segments": [{"text": text, "match": i in marked} for i, text in enumerate(sentences)],
            }
        ]
    return items


def _rows(ids) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(EvidencePassage).where(EvidencePassage.id.in_(ids)))}


def _scored_sentences(row, part) -> list[tuple[str, float]]:
    """The passage's own sentences with their similarity to the question, on the primary space's scale."""
    import numpy as np  # loaded with the first match, not at every command's start

    sentences = row.sentences
    stored = getattr(row, sentence_column(part.space).key)
    unkept = sentences is None or stored is None  # embedded before sentences were kept, until the sweep re-embeds it
    if unkept:
        sentences = split_sentences(row.text)
    if not sentences:  # nothing of the person's own in the passage: another passage explains the match
        return []
    if unkept:
        vectors = space_encoder(part.space).encode(sentences)
    else:
        vectors = np.frombuffer(stored, dtype=np.float16).reshape(len(sentences), -1).astype(np.float32)
    return list(zip(sentences, calibrated(part.space, vectors @ part.vector).tolist()))


def _marked(scored, max_sentences) -> list[int]:
    """Positions of the sentences about as close as the best one, at most ``max_sentences`` (scores may be < 0)."""
    ranked = sorted(range(len(scored)), key=lambda i: -scored[i][1])
    best = scored[ranked[0]][1]
    return sorted(i for i in ranked[:max_sentences] if scored[i][1] >= best - 0.15 * abs(best))


def _publication_titles(rows) -> dict:
    """{publication id: title} for the publication passages among ``rows``: the evidence's label."""
    ids = {row.source_id for row in rows if row.source == "publication" and row.source_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(Publication.id, Publication.title).where(Publication.id.in_(ids))).all())


def marked_sentences(evidence) -> list[str]:
    return [s["text"] for item in evidence for s in item["segments"] if s["match"]]
