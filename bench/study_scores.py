"""The aggregation study's scoring: one set's cached index and the families of expert scores measured on it
(bench/aggregation_study.py runs them). Everything works on whole query x passage matrices."""

import numpy as np


class Data:
    """One set's cached index: passage and query vectors, document keys, owners and fields."""

    def __init__(self, cached, candidates):
        self.owners, self.documents = cached["owners"], cached["documents"]
        self.vectors, self.queries = cached["vectors"], cached["queries"]
        self.fields, self.texts = cached["fields"], cached["texts"]
        self.candidates = candidates
        self.doc_keys, self.passage_doc = np.unique(self.documents, return_inverse=True)
        self.doc_owner = np.empty(self.doc_keys.size, dtype=self.owners.dtype)
        self.doc_owner[self.passage_doc] = self.owners
        self.doc_field = np.empty(self.doc_keys.size, dtype=self.fields.dtype)
        self.doc_field[self.passage_doc] = self.fields
        self.experts, self.doc_expert = np.unique(self.doc_owner, return_inverse=True)
        self._bm25 = None

    def passage_scores(self, queries=None):
        return (self.queries if queries is None else queries) @ self.vectors.T

    def doc_scores(self, passage_scores):
        """queries x documents: a document scores its best passage."""
        out = np.full((passage_scores.shape[0], self.doc_keys.size), -np.inf, dtype=np.float32)
        for q in range(passage_scores.shape[0]):
            np.maximum.at(out[q], self.passage_doc, passage_scores[q])
        return out

    def bm25(self):
        """queries x passages BM25 scores (bm25s, English stop words)."""
        if self._bm25 is None:
            import bm25s

            retriever = bm25s.BM25()
            retriever.index(bm25s.tokenize(list(self.texts), stopwords="en", show_progress=False), show_progress=False)
            rows = []
            for text in self.query_texts:
                tokens = bm25s.tokenize([text], stopwords="en", show_progress=False, return_ids=False)[0]
                rows.append(retriever.get_scores(tokens) if tokens else np.zeros(len(self.texts)))
            self._bm25 = np.asarray(rows, dtype=np.float32)
        return self._bm25

    def expert_bm25(self, b=0.75):
        """queries x experts BM25 over each expert's passages joined (the platform's KeywordIndex)."""
        if getattr(self, "_expert_bm25_b", None) != b:
            self._expert_bm25_b = b
            from join4atmp.search.keyword import KeywordIndex

            joined = [[] for _ in range(self.experts.size)]
            for expert, text in zip(self.doc_expert[self.passage_doc].tolist(), self.texts.tolist()):
                joined[expert].append(text)
            index = KeywordIndex(range(self.experts.size), [" ".join(texts) for texts in joined], b=b)
            self._expert_bm25 = np.zeros((len(self.query_texts), self.experts.size))
            for q, text in enumerate(self.query_texts):
                for expert, score in index.scores(text).items():
                    self._expert_bm25[q, expert] = score
        return self._expert_bm25

    def rankings(self, expert_scores):
        """queries x experts score matrix -> one {expert: score} per query."""
        names = self.experts.tolist()
        return [dict(zip(names, row.tolist())) for row in expert_scores]


def lse(data, docs, temperature):
    """Per-expert T * log(sum exp(doc / T)); ``temperature`` a number or one per query."""
    t = np.broadcast_to(np.asarray(temperature, dtype=np.float64).reshape(-1, 1), (docs.shape[0], 1))
    best = np.full((docs.shape[0], data.experts.size), -np.inf)
    for q in range(docs.shape[0]):
        np.maximum.at(best[q], data.doc_expert, docs[q])
    shifted = np.exp((docs - best[:, data.doc_expert]) / t)
    sums = np.stack([np.bincount(data.doc_expert, weights=row, minlength=data.experts.size) for row in shifted])
    return best + t * np.log(sums)


def top_sum(data, docs, k=5):
    out = np.zeros((docs.shape[0], data.experts.size))
    order = np.argsort(-docs, axis=1)
    for q in range(docs.shape[0]):
        seen = np.zeros(data.experts.size, dtype=int)
        for d in order[q]:
            e = data.doc_expert[d]
            if seen[e] < k:
                out[q, e] += docs[q, d]
                seen[e] += 1
    return out


def prf_queries(data, k, beta):
    """Rocchio over documents: the query plus beta x the mean of its k best passages' vectors, re-normalised."""
    scores = data.passage_scores()
    top = np.argsort(-scores, axis=1)[:, :k]
    expanded = data.queries + beta * data.vectors[top].mean(axis=1)
    return expanded / np.linalg.norm(expanded, axis=1, keepdims=True)


def dense(data, queries=None):
    return data.doc_scores(data.passage_scores(queries))


def bm25_fused(data, weight):
    """Passage score = cosine + weight x the query's BM25 score over its best BM25 score."""
    bm = data.bm25()
    top = bm.max(axis=1, keepdims=True)
    return data.doc_scores(data.passage_scores() + weight * np.divide(bm, top, out=np.zeros_like(bm), where=top > 0))


def field_offsets(data, docs, offsets):
    """Each document's score plus its field's offset (e.g. {"publication": -0.05}); 0 for the others."""
    shift = np.array([offsets.get(f, 0.0) for f in data.doc_field.tolist()], dtype=np.float32)
    return docs + shift


def offset_docs(data, passages=None):
    """The platform's default document scores: each kind's offset as configured (MATCHING_SOURCE_OFFSETS), over
    ``passages`` (query x passage scores; by default the cached vectors' cosines)."""
    from join4atmp.config import MATCHING_SOURCE_OFFSETS

    docs = dense(data) if passages is None else data.doc_scores(passages)
    return field_offsets(data, docs, MATCHING_SOURCE_OFFSETS)


def default_scores(data, passages=None, temperature=None):
    """The platform's default expert scores: its smooth maximum over the offset document scores."""
    from join4atmp.search.aggregate import SOFT_MAX_TEMPERATURE

    return lse(data, offset_docs(data, passages), temperature or SOFT_MAX_TEMPERATURE)


def rank_cut(data, docs, n):
    """Documents outside the query's n best count only as an expert's best (-inf otherwise)."""
    kth = -np.partition(-docs, min(n, docs.shape[1]) - 1, axis=1)[:, min(n, docs.shape[1]) - 1 : min(n, docs.shape[1])]
    best = np.full((docs.shape[0], data.experts.size), -np.inf)
    for q in range(docs.shape[0]):
        np.maximum.at(best[q], data.doc_expert, docs[q])
    keep = (docs >= kth) | (docs >= best[:, data.doc_expert])
    return np.where(keep, docs, -np.inf)


def with_prior(data, experts, beta, scale=1.0):
    """Expert scores plus beta x ln(1 + the expert's number of documents / scale): with a larger scale,
    a few documents say little and only many of them lift an expert."""
    counts = np.bincount(data.doc_expert, minlength=data.experts.size)
    return experts + beta * np.log1p(counts / scale)


def spread(docs, k=10):
    """Per query: the gap between its best document and its k-th best."""
    part = -np.sort(-docs, axis=1)
    return part[:, 0] - part[:, min(k, part.shape[1]) - 1]


def _unit(rows):
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def expert_centroids(data):
    """One unit vector per expert: the mean of its passages' vectors."""
    sums = np.zeros((data.experts.size, data.vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, data.doc_expert[data.passage_doc], data.vectors)
    return _unit(sums)


def with_centroid(data, experts, weight):
    """Expert scores plus weight x the question's cosine with the expert's centroid (a topic-focus signal)."""
    return experts + weight * (data.queries @ expert_centroids(data).T)


def expert_smoothing(data, experts, weight, k):
    """Expert scores plus weight x the mean score of the expert's k nearest experts (by centroid)."""
    centroids = expert_centroids(data)
    similar = centroids @ centroids.T
    np.fill_diagonal(similar, -np.inf)
    nearest = np.argpartition(-similar, k, axis=1)[:, :k]
    return experts + weight * experts[:, nearest].mean(axis=2)


def document_smoothing(data, docs, weight, k):
    """Each document's score moved towards the mean score of its k nearest documents (the cluster
    hypothesis: a document among relevant ones is likelier relevant)."""
    sums = np.zeros((data.doc_keys.size, data.vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, data.passage_doc, data.vectors)
    vectors = _unit(sums)
    similar = vectors @ vectors.T
    np.fill_diagonal(similar, -np.inf)
    nearest = np.argpartition(-similar, k, axis=1)[:, :k]
    return (1 - weight) * docs + weight * docs[:, nearest].mean(axis=2)


def noisy_or(data, docs, below_best, width):
    """P(the expert has a relevant document) = 1 - prod(1 - p_d), with p_d a logistic of the document's
    score centred ``below_best`` under the question's best document; returned as -sum log(1 - p_d)."""
    centre = docs.max(axis=1, keepdims=True) - below_best
    p = 1 / (1 + np.exp(-(docs - centre) / width))
    missing = np.log1p(-np.clip(p, 0, 1 - 1e-9))
    return -np.stack([np.bincount(data.doc_expert, weights=row, minlength=data.experts.size) for row in missing])


def with_expert_bm25(data, experts, weight, b=0.75):
    """Expert scores plus weight x the expert's BM25 score over the question's best expert's (a second,
    lexical signal at the expert's level: acronyms, article numbers, product words); ``b``: BM25's length
    normalisation (1: a long profile's words count in full proportion to its length)."""
    bm = data.expert_bm25(b)
    top = bm.max(axis=1, keepdims=True)
    return experts + weight * np.divide(bm, top, out=np.zeros_like(bm), where=top > 0)


def _ranks(scores):
    order = np.argsort(-scores, axis=1)
    ranks = np.empty_like(order)
    ranks[np.arange(scores.shape[0])[:, None], order] = np.arange(1, scores.shape[1] + 1)[None, :]
    return ranks


def rrf_expert_bm25(data, experts, weight, k=60):
    """Reciprocal-rank fusion of the expert scores and the expert-level BM25 (no BM25 match: no share)."""
    bm = data.expert_bm25()
    return 1 / (k + _ranks(experts)) + weight * np.where(bm > 0, 1 / (k + _ranks(bm)), 0)


def centred_docs(data, components=0, rescale=True):
    """Document scores from vectors centred on the index's mean passage (and with its ``components`` main
    directions taken out: "all but the top"), re-normalised; with ``rescale``, mapped back onto the raw
    cosines' mean and spread over all question x passage pairs, so that a temperature means the same."""
    mean = data.vectors.mean(axis=0)
    vectors, queries = data.vectors - mean, data.queries - mean
    if components:
        top = np.linalg.svd(vectors, full_matrices=False)[2][:components]
        vectors, queries = vectors - (vectors @ top.T) @ top, queries - (queries @ top.T) @ top
    scores = _unit(queries) @ _unit(vectors).T
    if rescale:
        raw = data.passage_scores()
        scores = raw.mean() + (scores - scores.mean()) * (raw.std() / scores.std())
    return data.doc_scores(scores)
