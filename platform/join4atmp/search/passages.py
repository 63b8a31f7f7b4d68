"""Split documents into passages that fit the model's window, and passages into sentences."""

import re

# all-MiniLM-L6-v2 reads 256 word pieces; English runs at about 1.3 word pieces a word, so 170 words
# leave room. Neighbouring passages overlap so that a sentence cut at a border is whole in one.
PASSAGE_WORDS = 170
OVERLAP_WORDS = 35

# a sentence ends at . ! ? or ; before one that starts with a capital or a digit, after any quote, bracket or
# Markdown mark (bold, a list item, a heading, a quote)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[*_#>-]*\s?[A-Z0-9])")


def split_passages(text: str, size: int = PASSAGE_WORDS, overlap: int = OVERLAP_WORDS) -> list[str]:
    words = text.split()
    if not words:
        return []
    if len(words) <= size:
        return [" ".join(words)]
    step = size - overlap
    passages = []
    for start in range(0, len(words), step):
        passages.append(" ".join(words[start : start + size]))
        if start + size >= len(words):
            break
    return passages


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage, for showing which part of the evidence matched."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    return sentences or ([text.strip()] if text.strip() else [])


def own_sentences(passage: str, own: str) -> list[str]:
    """The passage's sentences that are in ``own``, the person's own words (the passage may add a title, the
    topics or an organisation to them). Where no sentence break parts a title from the own words that follow
    (an answer that opens in lower case), the sentence's last words that are in ``own``, at least
    ``_OWN_WORDS`` of them; none when no sentence has own words."""
    own = " ".join(own.split())
    found = []
    for sentence in split_sentences(passage):
        part = sentence if sentence in own else _own_tail(sentence.split(), own)
        if part:
            found.append(part)
    return found


_OWN_WORDS = 4


def _own_tail(words: list[str], own: str) -> str | None:
    for start in range(1, len(words) - _OWN_WORDS + 1):
        tail = " ".join(words[start:])
        if tail in own:
            return tail
    return None
