"""The aggregation study: which expert score serves both the shared sets and the ATMP development set.

`python bench/aggregation_study.py` encodes every set once through the platform's own indexing (cached in
instance/study-cache/), then scores each aggregation family of bench/study_methods.py (with words on the
command line: only the methods whose names contain one of them) on the cached passage scores. Prints, per
method: MAP on each shared set as a ratio to the same-run max-cosine, and above/below the text-free
popularity ranking; on bench/atmp-dev nDCG@5, P@1 and the breadth-bias gap (points). The figures go to
docs/matching-aggregation-study.md.
"""

import json
import sys
from pathlib import Path

import numpy as np
from study_methods import METHODS
from study_scores import Data

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


def load_sets(names=("android", "dblp", "physics")):
    """The shared sets named, as {name: (Data, judged, popularity)}, and the ATMP set as ``evaluate`` takes it."""
    sets = {}
    for name in names:
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
    return sets, (data, grades, documents_of, judged_of)


def print_rows(methods, sets, atmp):
    """One line per method (``methods`` holds "max", the reference): ratios to max, nDCG@5, P@1, bias."""
    methods = dict(methods)
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
    return results


def main():
    methods = {n: f for n, f in METHODS.items() if not sys.argv[1:] or n == "max" or any(w in n for w in sys.argv[1:])}
    results = print_rows(methods, *load_sets())
    (CACHE / "results.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
