"""BM25 keyword scoring over each expert's concatenated documents (bm25s), for acronyms and baselines."""

import bm25s
import numpy as np


class KeywordIndex:
    def __init__(self, owners: list, texts: list[str], k1: float = 1.2, b: float = 0.75):
        self.owners = list(owners)
        self.retriever = bm25s.BM25(k1=k1, b=b)
        self.retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)

    def scores(self, query: str) -> dict:
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False, return_ids=False)[0]
        if not tokens:
            return {}
        values = self.retriever.get_scores(tokens)
        return {owner: float(v) for owner, v in zip(self.owners, np.asarray(values).tolist()) if v > 0}
