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


def rank_cut(data, docs, n):
    """Documents outside the query's n best count only as an expert's best (-inf otherwise)."""
    kth = -np.partition(-docs, min(n, docs.shape[1]) - 1, axis=1)[:, min(n, docs.shape[1]) - 1 : min(n, docs.shape[1])]
    best = np.full((docs.shape[0], data.experts.size), -np.inf)
    for q in range(docs.shape[0]):
        np.maximum.at(best[q], data.doc_expert, docs[q])
    keep = (docs >= kth) | (docs >= best[:, data.doc_expert])
    return np.where(keep, docs, -np.inf)


def with_prior(data, experts, beta):
    """Expert scores plus beta x ln(1 + the expert's number of documents)."""
    counts = np.bincount(data.doc_expert, minlength=data.experts.size)
    return experts + beta * np.log1p(counts)


def spread(docs, k=10):
    """Per query: the gap between its best document and its k-th best."""
    part = -np.sort(-docs, axis=1)
    return part[:, 0] - part[:, min(k, part.shape[1]) - 1]
