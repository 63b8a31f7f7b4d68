"""The aggregation study's methods by name: each family of expert scores over a grid of its settings
(bench/study_scores.py scores them; bench/aggregation_study.py runs the ones named on its command line)."""

from study_scores import (
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
