"""search/: passages, aggregation, the FAISS index and metrics, without Flask."""

import math

import numpy as np
import pytest

from join4atmp.search import aggregate, metrics
from join4atmp.search.index import PassageIndex
from join4atmp.search.keyword import KeywordIndex
from join4atmp.search.passages import own_sentences, split_passages, split_sentences


def test_long_texts_are_split_into_overlapping_passages():
    words = [f"w{i}" for i in range(400)]
    passages = split_passages(" ".join(words), size=170, overlap=35)
    assert [len(p.split()) for p in passages] == [170, 170, 130]
    assert passages[1].split()[0] == "w135"  # overlaps the previous passage by 35 words
    assert split_passages("short text") == ["short text"]
    assert split_passages("   ") == []


def test_sentences():
    assert split_sentences("One thing. Another one! A third? 4 is a number.") == [
        "One thing.",
        "Another one!",
        "A third?",
        "4 is a number.",
    ]
    assert split_sentences("e.g. lower case after a dot stays") == ["e.g. lower case after a dot stays"]


def test_own_sentences_leave_out_what_the_index_adds():
    """An answer's passage starts with its question's title; a statement's ends with topics: neither is
    the person's, so neither is evidence a page may highlight."""
    body = "Ask the PEI early.\nBring   the comparability protocol."
    passage = "What does the PEI expect?. Ask the PEI early. Bring the comparability protocol."
    assert own_sentences(passage, body) == ["Ask the PEI early.", "Bring the comparability protocol."]
    assert own_sentences("Assessor for gene therapy. Topics: Comparability.", "Assessor for gene therapy.") == [
        "Assessor for gene therapy."
    ]
    assert own_sentences("Topics: Comparability. Paul-Ehrlich-Institut.", "Assessor.") == []


def test_markdown_marks_start_a_sentence_and_a_glued_title_is_left_out():
    assert split_sentences("Before the trial. **Short answer:** yes. - Measure expression. # Plan") == [
        "Before the trial.",
        "**Short answer:** yes.",
        "- Measure expression.",
        "# Plan",
    ]
    body = "only if the vector and the indication stay the same."
    glued = "Can phase I data carry over to a new product. only if the vector and the indication stay the same."
    assert own_sentences(glued, body) == [body]
    assert own_sentences("A title without a stop. ok then", "ok then") == []  # too few words to be sure


def test_top_docs_sum_counts_each_document_once_and_k_best_documents():
    owners = [1, 1, 1, 2, 2, 2, 2, 2, 2, 2]
    documents = [10, 10, 11, 20, 21, 22, 23, 24, 25, 26]
    scores = [0.9, 0.8, 0.1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    result = aggregate.top_docs_sum(owners, documents, scores, k=5)
    assert result[1] == pytest.approx(1.0)  # 0.9 (best passage of doc 10) + 0.1
    assert result[2] == pytest.approx(2.5)  # only the 5 best of 7 documents
    assert aggregate.max_score(owners, documents, scores) == {1: pytest.approx(0.9), 2: pytest.approx(0.5)}
    assert aggregate.top_docs_sum([], [], []) == {}


def _unit(vectors):
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_index_ranks_removes_and_survives_a_round_trip(tmp_path):
    index = PassageIndex(3)
    index.add([1, 2, 3], owners=[7, 7, 8], documents=[70, 71, 80], vectors=_unit([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0]]))
    query = np.array([1, 0, 0], dtype=np.float32)
    assert [owner for owner, _ in index.rank(query)] == [7, 8]
    assert [pid for pid, _ in index.passages_of(7, query, limit=1)] == [1]
    index.version, index.stamp = 4, "4:x"
    index.save(tmp_path / "idx")
    loaded = PassageIndex.load(tmp_path / "idx")
    assert loaded.version == 4 and loaded.stamp == "4:x" and len(loaded) == 3
    assert loaded.rank(query) == index.rank(query)
    loaded.remove_owner(7)
    assert [owner for owner, _ in loaded.rank(query)] == [8] and len(loaded) == 1
    assert PassageIndex.load(tmp_path / "missing") is None


def test_keyword_index_finds_acronyms():
    keyword = KeywordIndex([1, 2], ["GMP manufacturing of AAV vectors", "patient registries and LTFU"])
    assert set(keyword.scores("LTFU duration")) == {2}
    assert keyword.scores("the and of") == {}


def test_metrics_follow_the_benchmark_definitions():
    ranking = ["a", "b", "c", "d"]
    m = metrics.query_metrics(ranking, {"b", "d"})
    assert m["ap"] == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert m["rr"] == pytest.approx(0.5) and m["p1"] == 0 and m["p5"] == pytest.approx(2 / 5)
    assert m["r10"] == 1.0
    ideal = 1 + 1 / np.log2(3)
    assert m["ndcg10"] == pytest.approx((1 / np.log2(3) + 1 / np.log2(5)) / ideal)
    # ties are broken by a seeded permutation, the same on every run
    seeded = metrics.rank_all({"x": 1.0}, ["a", "b", "x"], seed=0)
    assert seeded == metrics.rank_all({"x": 1.0}, ["a", "b", "x"], seed=0)
    assert metrics.rank_all({"x": 1.0}, ["a", "b", "x"])[0] == "x"


def test_a_live_index_applies_only_what_changed_and_rebuilds_when_its_source_cannot_say():
    import numpy as np

    from join4atmp.search.live import LiveIndex

    class Rows:
        dimension = 2

        def __init__(self):
            self.vectors = {1: [1.0, 0.0], 2: [0.0, 1.0]}
            self.counter, self.log, self.reads = 1, {}, []

        def version(self):
            return self.counter

        def stamp(self, version):
            return str(version)

        def change(self, owner, vector):
            self.counter += 1
            self.log[self.counter] = owner
            self.vectors[owner] = vector

        def changed_owners(self, since, now):
            owners = {self.log.get(v) for v in range(since + 1, now + 1)}
            return None if None in owners else owners

        def rows(self, owners):
            self.reads.append(owners)
            ids = sorted(o for o in self.vectors if owners is None or o in owners)
            return ids, ids, ids, np.array([self.vectors[i] for i in ids], dtype=np.float32).reshape(-1)

    source = Rows()
    live = LiveIndex(source)
    assert live.current().rank(np.array([1.0, 0.0], dtype=np.float32))[0][0] == 1
    source.change(2, [1.0, 0.0])
    source.change(1, [0.0, 1.0])
    assert live.current().rank(np.array([1.0, 0.0], dtype=np.float32))[0][0] == 2
    assert source.reads == [None, {1, 2}]  # built once, then only the two owners that changed
    source.counter += 1  # a change the log cannot explain
    live.current()
    assert source.reads[-1] is None and live.current().version == source.counter


def test_the_default_score_lets_one_strong_document_beat_many_weak_ones():
    from join4atmp.search.aggregate import soft_max, top_docs_sum

    # Expert 1: one document at 0.70. Expert 2: five documents at 0.45. Expert 3: two at 0.70.
    owners = [1, 2, 2, 2, 2, 2, 3, 3]
    documents = [10, 20, 21, 22, 23, 24, 30, 31]
    scores = [0.70, 0.45, 0.45, 0.45, 0.45, 0.45, 0.70, 0.70]
    smooth = soft_max(owners, documents, scores, temperature=0.08)
    assert smooth[3] > smooth[1] > smooth[2]
    assert abs(smooth[1] - 0.70) < 1e-9 and abs(smooth[3] - (0.70 + 0.08 * math.log(2))) < 1e-9
    summed = top_docs_sum(owners, documents, scores, k=5)
    assert summed[2] > summed[1]  # the former default: breadth beat the one strong document


def test_changes_after_the_bulk_go_to_an_overlay_that_counts_as_the_bulk_does(tmp_path):
    rng = np.random.default_rng(3)
    vectors = _unit(rng.standard_normal((60, 8)))
    ids, owners = np.arange(100, 160), np.arange(60) // 6  # ten owners of six passages
    index = PassageIndex(8)
    index.add(ids, owners, ids, vectors)
    bulk = index.faiss
    reference = PassageIndex(8)  # the same final state, built in one go
    moved = _unit(rng.standard_normal((3, 8)))
    keep = owners != 4
    reference.add(
        np.r_[ids[keep], [900, 901, 902]],
        np.r_[owners[keep], [4, 4, 4]],
        np.r_[ids[keep], [9, 9, 8]],
        np.vstack([vectors[keep], moved]),
    )
    index.remove_owner(4)
    index.add([900, 901, 902], [4, 4, 4], [9, 9, 8], moved)
    index.remove_owner(7)
    reference.remove_owner(7)
    assert index.faiss is bulk and index.maps.ids.size == 60  # the shared bulk was not touched
    assert len(index) == len(reference) == 51 and index.owners == reference.owners
    for query in _unit(rng.standard_normal((5, 8))):
        assert [o for o, _ in index.rank(query, depth=20)] == [o for o, _ in reference.rank(query, depth=20)]
        assert index.passages_of(4, query) == reference.passages_of(4, query)
        assert index.passages_of(7, query) == []
    index.version, index.stamp = 9, "9:x"
    index.save(tmp_path / "idx")  # written as one bulk
    loaded = PassageIndex.load(tmp_path / "idx")
    assert not loaded.removed and not len(loaded.overlay) and len(loaded) == 51
    assert [o for o, _ in loaded.rank(moved[0])] == [o for o, _ in reference.rank(moved[0])]
    assert not index.fragmented
    for owner in range(10):
        index.remove_owner(owner)
    assert len(index) == 0 and index.rank(moved[0]) == []


def _clustered(count, dimension=32, clusters=40, seed=1):
    """Unit vectors around a few centres, as topics gather passages."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dimension))
    vectors = centres[rng.integers(0, clusters, count)] + 0.35 * rng.standard_normal((count, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_past_its_threshold_the_index_is_approximate_and_finds_what_exact_search_finds(tmp_path):
    vectors = _clustered(6000)
    ids, owners = np.arange(100, 6100), np.arange(6000) // 3
    exact, approximate = PassageIndex(32), PassageIndex(32, approximate_from=5000, nprobe=16)
    for index in (exact, approximate):
        index.add(ids, owners, ids, vectors)
    assert type(approximate.faiss).__name__ == "IndexIVFFlat" and type(exact.faiss).__name__ == "IndexIDMap2"
    queries = _clustered(50, seed=2)
    recall = np.mean([len(set(exact.search(q, 10)[0]) & set(approximate.search(q, 10)[0])) / 10 for q in queries])
    assert recall >= 0.95, recall
    # a passage's vector reads back by its id (the evidence), changes go to the overlay, the cache keeps the kind
    assert approximate.passages_of(5, vectors[16], 1) == [(116, pytest.approx(1.0, abs=1e-5))]
    approximate.add([7000], [9999], [7000], vectors[:1])
    assert set(approximate.search(vectors[0], 2)[0].tolist()) == {100, 7000}  # the same vector, twice
    approximate.save(tmp_path / "ivf")
    loaded = PassageIndex.load(tmp_path / "ivf", approximate_from=5000, nprobe=8)
    assert type(loaded.faiss).__name__ == "IndexIVFFlat" and loaded.faiss.nprobe == 8 and len(loaded) == 6001
    assert loaded.passages_of(9999, vectors[0], 1)[0][0] == 7000


def test_source_offsets_let_a_statement_beat_a_slightly_closer_publication(app):
    """One publication shows one piece of work: the configured offset is added to its passages before the
    aggregation, so an expert's own statement at 0.60 beats another's publication at 0.65."""
    from join4atmp.matching.models import EvidencePassage
    from join4atmp.matching.spaces import MULTILINGUAL, PRIMARY, offsets, source_offsets
    from join4atmp.search.index import rank_together

    statement = EvidencePassage(profile_id=1, source="statement").document_key
    publication = EvidencePassage(profile_id=2, source="publication", source_id=5).document_key
    answer = EvidencePassage(profile_id=3, source="answer", source_id=9).document_key
    index = PassageIndex(2)
    cosines = [0.60, 0.65, 0.30]
    vectors = np.array([[c, math.sqrt(1 - c * c)] for c in cosines], dtype=np.float32)
    index.add([1, 2, 3], owners=[1, 2, 3], documents=[statement, publication, answer], vectors=vectors)
    query = np.array([1, 0], dtype=np.float32)
    configured = app.config["MATCHING_SOURCE_OFFSETS"]
    assert configured["publication"] < 0 and configured["answer"] < 0
    plain = rank_together([(index, query, (0.0, 1.0))], aggregation="max")
    offset = rank_together([(index, query, (0.0, 1.0), offsets(PRIMARY))], aggregation="max")
    assert [owner for owner, _ in plain] == [2, 1, 3]
    assert [owner for owner, _ in offset] == [1, 2, 3]
    scores = dict(offset)
    assert scores[1] == pytest.approx(0.60, abs=1e-6)
    assert scores[2] == pytest.approx(0.65 + configured["publication"], abs=1e-6)
    assert scores[3] == pytest.approx(0.30 + configured["answer"], abs=1e-6)
    assert source_offsets({}) is None
    # measured per encoder: in the multilingual space a publication keeps its score
    multilingual = offsets(MULTILINGUAL)(np.array([statement, publication, answer]))
    assert multilingual.tolist() == [0.0, 0.0, app.config["EMBEDDING_MULTILINGUAL_SOURCE_OFFSETS"]["answer"]]
