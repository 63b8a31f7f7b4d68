"""The aggregation study: which expert score serves both the shared sets and the ATMP development set.

`python bench/aggregation_study.py` encodes every set once through the platform's own indexing (cached in
instance/study-cache/), then scores each aggregation family on the cached passage scores. Prints, per
method: MAP on each shared set as a ratio to the same-run max-cosine, and above/below the text-free
popularity ranking; on bench/atmp-dev nDCG@5, P@1 and the breadth-bias gap (points). The figures go to
docs/matching-aggregation-study.md.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "expert-finding"
CACHE = ROOT / "instance" / "study-cache"
ATMP = ROOT / "bench" / "atmp-dev" / "queries.jsonl"


def _extract(app_setup, queries_text):
    """Passage owners, document keys and the query x passage cosine matrix, through the platform's index."""
    from join4atmp.extensions import db
    from join4atmp.matching.evaluation import temporary_app

    with temporary_app(MATCHING_INDEX_ON_CHANGE=False):
        names = app_setup()
        from join4atmp.embedding import encoder
        from join4atmp.matching.indexing import reindex_all
        from join4atmp.matching.models import EvidencePassage

        reindex_all()
        rows = db.session.scalars(db.select(EvidencePassage).order_by(EvidencePassage.id)).all()
        owners = np.array([names[r.profile_id] for r in rows])
        documents = np.array([r.document_key for r in rows])
        vectors = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32).reshape(len(rows), -1)
        queries = encoder().encode(queries_text)
    return owners, documents, queries @ vectors.T


def shared_set(name):
    path = CACHE / f"{name}.npz"
    from join4atmp.matching.evaluation import _load_experts, read_dataset

    experts, queries = read_dataset(DATA / name)
    if not path.exists():

        def setup():
            return {pid: eid for eid, pid in _load_experts(experts).items()}

        owners, documents, scores = _extract(setup, [q["text"] for q in queries])
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(path, owners=owners, documents=documents, scores=scores)
    cached = np.load(path)
    candidates = [e["id"] for e in experts]
    judged = [{e: 1 for e in q["relevant"]} for q in queries]
    popularity = {e["id"]: float(len(e["documents"])) for e in experts}
    return cached["owners"], cached["documents"], cached["scores"], candidates, judged, popularity


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

        owners, documents, scores = _extract(setup, [q["text"] for q in queries])
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(path, owners=owners, documents=documents, scores=scores)
    cached = np.load(path)
    candidates = sorted(set(cached["owners"].tolist()) | {e for q in queries for e in q["grades"]})
    return cached["owners"], cached["documents"], cached["scores"], candidates, [q["grades"] for q in queries]


def per_expert_documents(owners, documents, row):
    """{expert: document scores, best first} for one query (a document scores its best passage)."""
    from join4atmp.search.aggregate import document_maxima

    doc_owners, doc_scores = document_maxima(owners, documents, row)
    grouped = {}
    for owner, score in zip(doc_owners.tolist(), doc_scores.tolist()):
        grouped.setdefault(owner, []).append(score)
    return {owner: sorted(scores, reverse=True) for owner, scores in grouped.items()}


METHODS = {
    "max": lambda d: d[0],
    "top5-sum": lambda d: sum(d[:5]),
    **{
        f"lse T={t}": (lambda t: lambda d: t * math.log(sum(math.exp(s / t) for s in d)))(t)
        for t in (0.01, 0.02, 0.03, 0.05, 0.08)
    },
    **{f"near-best sum d={x}": (lambda x: lambda d: sum(s for s in d if s >= d[0] - x))(x) for x in (0.05, 0.1)},
    **{
        f"lse T={t} top{k}": (lambda t, k: lambda d: t * math.log(sum(math.exp(s / t) for s in d[:k])))(t, k)
        for t in (0.05, 0.08, 0.1)
        for k in (3, 5)
    },
    **{f"p-norm p={q}": (lambda q: lambda d: sum(max(s, 0.0) ** q for s in d) ** (1 / q))(q) for q in (4, 8, 16)},
    **{
        f"max+{w}*ln(1+n near)": (lambda w: lambda d: d[0] + w * math.log1p(sum(s >= d[0] - 0.1 for s in d)))(w)
        for w in (0.05, 0.1)
    },
}


def main():
    from join4atmp.search import metrics

    methods = {n: f for n, f in METHODS.items() if not sys.argv[1:] or any(w in n for w in sys.argv[1:])}

    sets = {name: shared_set(name) for name in ("android", "dblp", "physics")}
    atmp = atmp_set()
    documents_of = {}
    for owner, doc in zip(atmp[0].tolist(), atmp[1].tolist()):
        documents_of.setdefault(owner, set()).add(doc)
    atmp_documents = {e: len(documents_of.get(e, ())) for e in atmp[3]}
    atmp_judged = {}
    for grades in atmp[4]:
        for e, g in grades.items():
            atmp_judged[e] = atmp_judged.get(e, 0) + g
    grouped = {
        name: [per_expert_documents(s[0], s[1], row) for row in s[2]] for name, s in {**sets, "atmp": atmp}.items()
    }
    results = {}
    for method, score in methods.items():
        line = {}
        for name, (_, _, _, candidates, judged, popularity) in sets.items():
            per_query = []
            for docs, relevant in zip(grouped[name], judged):
                ranking = metrics.rank_all({e: score(d) for e, d in docs.items()}, candidates)
                per_query.append(metrics.query_metrics(ranking, set(relevant)))
            line[name] = metrics.summarise(per_query)["MAP"]
            if method == "max":
                results.setdefault("_max", {})[name] = line[name]
            pop = [metrics.query_metrics(metrics.rank_all(popularity, candidates), set(r)) for r in judged]
            results.setdefault("_popularity", {})[name] = metrics.summarise(pop)["MAP"]
        per_query, fives = [], []
        for docs, grades in zip(grouped["atmp"], atmp[4]):
            ranking = metrics.rank_all({e: score(d) for e, d in docs.items()}, atmp[3])
            per_query.append(metrics.graded_metrics(ranking, grades))
            fives.append(ranking[:5])
        graded = metrics.summarise_graded(per_query)
        bias = metrics.breadth_bias(fives, atmp_documents, atmp_judged)
        line["atmp"] = {
            "nDCG@5": graded["nDCG@5"],
            "P@1": graded["P@1"],
            "bias_points": 100 * (bias["top5_share"] - bias["judged_share"]),
        }
        results[method] = line
    base, pop = results.pop("_max"), results.pop("_popularity")
    print(f"{'method':28} " + " ".join(f"{n:>16}" for n in sets) + "   atmp nDCG@5  P@1  bias")
    for method, line in results.items():
        cells = [f"{line[n] / base[n]:5.2f}x {'>' if line[n] > pop[n] else '<'}pop" for n in sets]
        a = line["atmp"]
        print(
            f"{method:28} "
            + " ".join(f"{c:>16}" for c in cells)
            + f"   {a['nDCG@5']:.3f}  {a['P@1']:.3f}  {a['bias_points']:+.1f}"
        )
    (CACHE / "results.json").write_text(json.dumps({"max": base, "popularity": pop, **results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
