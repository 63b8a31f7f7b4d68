"""Sentence-embedding search: encoder, passages, FAISS index, expert-score aggregation, metrics.

Plain Python over numpy, FAISS and sentence-transformers: nothing here imports Flask or another
area of the platform. It takes texts and ids and returns ids with scores.
"""
