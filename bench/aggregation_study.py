"""The aggregation study: which expert score serves both the shared sets and the ATMP development set.

`python bench/aggregation_study.py` encodes every set once through the platform's own indexing (cached in
instance/study-cache/), then scores each aggregation family on the cached passage scores. Prints, per
method: MAP on each shared set as a ratio to the same-run max-cosine, and above/below the text-free
popularity ranking; on bench/atmp-dev nDCG@5, P@1 and the breadth-bias gap (points). The figures go to
docs/matching-aggregation-study.md.
"""

import json
import sys
from pathlib import Path

import numpy as np
from study_scores import (
    Data,
    bm25_fused,
    centred_docs,
    default_scores,
    dense,
    document_smoothing,
    expert_smoothing,
    field_offsets,
    lse,
    noisy_or,
    offset_docs,
    prf_queries,
    rank_cut,
    rrf_expert_bm25,
    spread,
    top_sum,
    with_centroid,
    with_expert_bm25,
    with_prior,
)

from join4atmp.search import metrics

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "expert-finding"
CACHE = ROOT / "instance" / "study-cache"
ATMP = ROOT / "bench" / "atmp-dev" / "queries.jsonl"


def _extract(app_setup, queries_text):
    """Passage owners, document keys and the query x passage cosine matrix, through the platform's index."""
    from join4atmp.extensions import db
    from join4atmp.matching.evaluation import temporary_app

    with temporary_app(MATCHING_INDEX_ON_CHANGE=False, EMBEDDING_MULTILINGUAL_MODEL=None):  # English sets
        names = app_setup()
        from join4atmp.embedding import encoder
        from join4atmp.matching import indexing
        from join4atmp.matching.indexing import reindex_all

        indexing.own_sentences = lambda passage, own: []  # the ranking needs no evidence sentences
        from join4atmp.matching.models import EvidencePassage

        reindex_all()
        rows = db.session.scalars(db.select(EvidencePassage).order_by(EvidencePassage.id)).all()
        owners = np.array([names[r.profile_id] for r in rows])
        documents = np.array([r.document_key for r in rows])
        vectors = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32).reshape(len(rows), -1)
        queries = encoder().encode(queries_text)
        fields = np.array([r.source for r in rows])
        texts = np.array([r.text for r in rows])
    return {
        "owners": owners,
        "documents": documents,
        "vectors": vectors,
        "queries": queries,
        "fields": fields,
        "texts": texts,
    }


def shared_set(name):
    path = CACHE / f"{name}.npz"
    from join4atmp.matching.evaluation import _load_experts, read_dataset

    experts, queries = read_dataset(DATA / name)
    if not path.exists():

        def setup():
            return {pid: eid for eid, pid in _load_experts(experts).items()}

        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(path, **_extract(setup, [q["text"] for q in queries]))
    cached = dict(np.load(path))
    candidates = [e["id"] for e in experts]
    judged = [{e: 1 for e in q["relevant"]} for q in queries]
    popularity = {e["id"]: float(len(e["documents"])) for e in experts}
    return cached, candidates, judged, popularity, [q["text"] for q in queries]


def atmp_set():
    path = CACHE / "atmp-dev.npz"
    queries = [json.loads(line) for line in ATMP.read_text().splitlines() if line.strip()]
    if not path.exists():

        def setup():
            from join4atmp.demo.services import load_demo, load_demo_threads
            from join4atmp.extensions import db
            from join4atmp.profiles.models import ExpertProfile

            load_demo("study only")
            load_demo_threads()
            return {p.id: p.user.email for p in db.session.scalars(db.select(ExpertProfile))}

        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(path, **_extract(setup, [q["text"] for q in queries]))
    cached = dict(np.load(path))
    candidates = sorted(set(cached["owners"].tolist()) | {e for q in queries for e in q["grades"]})
    return cached, candidates, [q["grades"] for q in queries], [q["text"] for q in queries]


def _family(name, make, *grids):
    """{name.format(*values): make(*values)} over the product of the grids."""
    import itertools

    return {name.format(*values): make(*values) for values in itertools.product(*grids)}


OTHERS = ("publication", "answer")  # every kind of document but the statement


METHODS = {
    "max": lambda d: lse(d, dense(d), 1e-4),
    "top5-sum": lambda d: top_sum(d, dense(d)),
    **_family("lse T={}", lambda t: lambda d: lse(d, dense(d), t), (0.03, 0.08, 0.1, 0.12)),
    # field offsets: publications and answers count x less than the statement (shared sets: all one field)
    **_family(
        "lse T={1}, others {0:+}",
        lambda x, t: lambda d: lse(d, field_offsets(d, dense(d), dict.fromkeys(OTHERS, x)), t),
        (-0.05, -0.1, -0.15),
        (0.08, 0.1, 0.12),
    ),
    **_family(
        "lse T={1}, answers {0:+} only",
        lambda x, t: lambda d: lse(d, field_offsets(d, dense(d), {"answer": x}), t),
        (-0.1,),
        (0.08,),
    ),
    # BM25 over passages added to the cosine, per query relative to the best BM25 score
    **_family(
        "lse T={1}, bm25 w={0}",
        lambda w, t: lambda d: lse(d, bm25_fused(d, w), t),
        (0.1, 0.2, 0.4),
        (0.08, 0.15),
    ),
    **_family(
        "lse T={1}, bm25 w={0}, others -0.1",
        lambda w, t: lambda d: lse(d, field_offsets(d, bm25_fused(d, w), dict.fromkeys(OTHERS, -0.1)), t),
        (0.2, 0.4),
        (0.08, 0.15),
    ),
    # pseudo-relevance feedback: the query moved towards its k best passages
    **_family(
        "lse T={2}, prf k={0} b={1}",
        lambda k, b, t: lambda d: lse(d, dense(d, prf_queries(d, k, b)), t),
        (5, 20),
        (0.5,),
        (0.03, 0.08),
    ),
    # breadth only from documents among the query's n best (the voting model's rank cut-off)
    **_family(
        "lse T={1}, rank cut {0}",
        lambda n, t: lambda d: lse(d, rank_cut(d, dense(d), n), t),
        (10, 30, 100),
        (0.08, 0.15, 0.3),
    ),
    # a text-free document-count prior with one fixed weight
    **_family(
        "lse T={1} + {0}*ln(1+documents)",
        lambda b, t: lambda d: with_prior(d, lse(d, dense(d), t), b),
        (0.02, 0.04, 0.12),
        (0.03, 0.08),
    ),
    **_family(
        "lse T={1} + {0}*ln(1+documents), bm25 w=0.4",
        lambda b, t: lambda d: with_prior(d, lse(d, bm25_fused(d, 0.4), t), b),
        (0.04, 0.12),
        (0.03,),
    ),
    # the fourth study: BM25 over each expert's passages joined, beside the offset smooth maximum
    **_family(
        "lse T={1}, others -0.1, + {0} x expert bm25",
        lambda w, t: lambda d: with_expert_bm25(d, lse(d, offset_docs(d), t), w),
        (0.1, 0.2, 0.3),
        (0.08, 0.09, 0.1),
    ),
    **_family(
        "default + {} x expert bm25 b={}",
        lambda w, b: lambda d: with_expert_bm25(d, default_scores(d), w, b),
        (0.1, 0.2),
        (0.9, 1.0),
    ),
    **_family(
        "lse T={1}, others -0.1, rrf60 with {0} x expert bm25",
        lambda w, t: lambda d: rrf_expert_bm25(d, lse(d, offset_docs(d), t), w),
        (0.3, 0.5),
        (0.08, 0.1),
    ),
    # a count prior that only many documents move (the fourth study)
    **_family(
        "default + {} x ln(1 + documents / {})",
        lambda b, c: lambda d: with_prior(d, default_scores(d), b, c),
        (0.05, 0.1, 0.2),
        (5, 10, 20),
    ),
    # topic signals beside the default (the fourth study)
    **_family("default + {} x centroid", lambda w: lambda d: with_centroid(d, default_scores(d), w), (0.1, 0.3)),
    **_family(
        "default + {} x {}-nearest experts",
        lambda w, k: lambda d: expert_smoothing(d, default_scores(d), w, k),
        (0.3, 0.6),
        (10,),
    ),
    **_family(
        "default, documents {} x {}-nearest",
        lambda w, k: lambda d: lse(d, document_smoothing(d, offset_docs(d), w, k), 0.08),
        (0.3, 0.5),
        (10, 20),
    ),
    **_family(
        "noisy-or {} below the best, width {}",
        lambda b, w: lambda d: noisy_or(d, offset_docs(d), b, w),
        (0.2, 0.3),
        (0.04,),
    ),
    # vectors centred on the index's mean passage, top directions out (the fifth study)
    **_family(
        "centred {} pcs, T={}, others -0.1",
        lambda c, t: lambda d: lse(d, field_offsets(d, centred_docs(d, c), dict.fromkeys(OTHERS, -0.1)), t),
        (0, 1, 3),
        (0.08, 0.12),
    ),
    # a temperature per query, from its spread of document scores
    **_family(
        "lse T={}*(best - 10th best)", lambda c: lambda d: lse(d, dense(d), c * spread(dense(d)) + 1e-4), (0.25, 1.0)
    ),
}


def evaluate(method, sets, atmp, baseline):
    line = {}
    for name, (data, judged, popularity) in sets.items():
        per_query = []
        for scores, relevant in zip(data.rankings(method(data)), judged):
            per_query.append(metrics.query_metrics(metrics.rank_all(scores, data.candidates), set(relevant)))
        line[name] = metrics.summarise(per_query)["MAP"]
        if baseline:
            pop = [metrics.query_metrics(metrics.rank_all(popularity, data.candidates), set(r)) for r in judged]
            line[name + "_popularity"] = metrics.summarise(pop)["MAP"]
    data, grades, documents_of, judged_of = atmp
    per_query, fives = [], []
    for scores, g in zip(data.rankings(method(data)), grades):
        ranking = metrics.rank_all(scores, data.candidates)
        per_query.append(metrics.graded_metrics(ranking, g))
        fives.append(ranking[:5])
    graded = metrics.summarise_graded(per_query)
    bias = metrics.breadth_bias(fives, documents_of, judged_of)
    line["atmp"] = {
        "nDCG@5": graded["nDCG@5"],
        "P@1": graded["P@1"],
        "bias_points": 100 * (bias["top5_share"] - bias["judged_share"]),
    }
    return line


def main():
    methods = {n: f for n, f in METHODS.items() if not sys.argv[1:] or n == "max" or any(w in n for w in sys.argv[1:])}
    sets = {}
    for name in ("android", "dblp", "physics"):
        cached, candidates, judged, popularity, texts = shared_set(name)
        data = Data(cached, candidates)
        data.query_texts = texts
        sets[name] = (data, judged, popularity)
    cached, candidates, grades, texts = atmp_set()
    data = Data(cached, candidates)
    data.query_texts = texts
    documents_of = {e: 0 for e in candidates}
    for owner in data.doc_owner.tolist():
        documents_of[owner] += 1
    judged_of = {}
    for g in grades:
        for e, v in g.items():
            judged_of[e] = judged_of.get(e, 0) + v
    atmp = (data, grades, documents_of, judged_of)
    base = evaluate(methods.pop("max"), sets, atmp, baseline=True)
    results = {"max": base}
    print(f"{'method':28} " + " ".join(f"{n:>16}" for n in sets) + "   atmp nDCG@5  P@1  bias", flush=True)
    for method, function in [("max", None), *methods.items()]:
        line = base if function is None else evaluate(function, sets, atmp, baseline=False)
        results[method] = line
        cells = [f"{line[n] / base[n]:5.2f}x {'>' if line[n] > base[n + '_popularity'] else '<'}pop" for n in sets]
        a = line["atmp"]
        print(
            f"{method:28} "
            + " ".join(f"{c:>16}" for c in cells)
            + f"   {a['nDCG@5']:.3f}  {a['P@1']:.3f}  {a['bias_points']:+.1f}",
            flush=True,
        )
    (CACHE / "results.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
