"""`flask matching evaluate`: the platform's own matching measured on an expert-finding dataset.

The dataset (format: shared/data/expert-finding/README.md) is loaded into a temporary database
through the platform's services: one member per expert, one publication per document. The same
indexing and ranking code as the live matcher then ranks every expert for every query.
"""

import json
import tempfile
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from ..extensions import db
from ..search import metrics


def read_dataset(directory: Path):
    experts = [json.loads(line) for line in (directory / "experts.jsonl").read_text().splitlines() if line.strip()]
    queries = [json.loads(line) for line in (directory / "queries.jsonl").read_text().splitlines() if line.strip()]
    return experts, queries


@contextmanager
def temporary_app(model=None, **config):
    """A throw-away app on a temporary SQLite database and instance folder, with the tables made and an app
    and request context open: for measuring the platform's own code (evaluation, bench, studies)."""
    from .. import create_app

    with tempfile.TemporaryDirectory(prefix="j4a-eval-") as tmp:
        app = create_app(
            {
                "INSTANCE_PATH": tmp,
                "SECRET_KEY": "evaluation",
                "EMBEDDING_MODEL": model,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/evaluation.db",
                "SERVER_NAME": "localhost",
                **config,
            }
        )
        with app.app_context(), app.test_request_context("/"):
            db.create_all()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


def evaluate(directory, model=None, aggregations=("lse",), scores_out=None, progress=None) -> dict:
    """Returns {aggregation: metrics}; writes per-query scores of the first aggregation to ``scores_out``."""
    directory = Path(directory)
    experts, queries = read_dataset(directory)
    started = time.perf_counter()
    # The shared sets are in English: the primary space alone (the multilingual one would only slow them down).
    with temporary_app(model, MATCHING_INDEX_ON_CHANGE=False, EMBEDDING_MULTILINGUAL_MODEL=None) as app:
        profile_of = _load_experts(experts)
        expert_of = {pid: eid for eid, pid in profile_of.items()}
        from ..embedding import encoder
        from .indexing import reindex_all

        reindex_all(progress=progress)
        vectors = encoder().encode([q["text"] for q in queries])
        from .services import rank_candidates

        results = {}
        documents = {e["id"]: len(e["documents"]) for e in experts}
        judged = {}
        for query in queries:
            for expert in query["relevant"]:
                judged[expert] = judged.get(expert, 0) + 1
        for name in aggregations:
            app.config["MATCHING_AGGREGATION"] = name
            per_query, rows, top_fives = [], [], []
            candidates = sorted(profile_of)
            for query, vector in zip(queries, vectors):
                scores = {expert_of[pid]: score for pid, score in rank_candidates(vector, depth=None)}
                ranking = metrics.rank_all(scores, candidates)
                per_query.append(metrics.query_metrics(ranking, set(query["relevant"])))
                rows.append({"query": query["id"], "scores": scores})
                top_fives.append(ranking[:5])
            results[name] = metrics.summarise(per_query)
            results[name]["breadth"] = metrics.breadth_bias(top_fives, documents, judged)
            if scores_out and name == aggregations[0]:
                Path(scores_out).write_text("".join(json.dumps(row) + "\n" for row in rows))
    seconds = time.perf_counter() - started
    for figures in results.values():
        figures["seconds"] = round(seconds, 1)
    return results


def storable(text: str) -> str:
    """The text with the control characters a profile may not hold (dblp has a few U+0095) made spaces."""
    return "".join(" " if unicodedata.category(c) == "Cc" and c not in "\n\r\t" else c for c in text)


def _load_experts(experts) -> dict:
    """Create a member and publications per expert; returns {dataset expert id: profile id}."""
    from ..accounts.passwords import hash_password
    from ..accounts.services import create_user
    from ..profiles.models import Publication

    shared_hash = hash_password("evaluation only")
    profile_of = {}
    for number, expert in enumerate(experts):
        user = create_user(
            f"expert{number}@evaluation.invalid",
            "evaluation only",
            "developer",
            display_name=str(expert["id"]),
            confirmed=True,
            password_hash=shared_hash,
        )
        user.profile.country = "ZZ"
        user.profile.publications = [Publication(title="", abstract=storable(text)) for text in expert["documents"]]
        db.session.flush()
        profile_of[user.profile.id] = expert["id"]
    db.session.commit()
    return {eid: pid for pid, eid in profile_of.items()}
