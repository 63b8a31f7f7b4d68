"""Which language a text is written in: py3langid's bundled model, asked to choose among the EU's official
languages, loaded once per process on first use.

Short texts are often unclear ("hospital exemption" reads as Latin or Spanish as much as English), so a
language counts only when the model gives it at least ``MIN_PROBABILITY``; below that the answer is
``UNDETERMINED`` and callers treat the text as possibly any language.
"""

import threading

UNDETERMINED = "und"  # ISO 639-2's code for "undetermined"
MIN_PROBABILITY = 0.9
CANDIDATES = "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split()

_identifier = None
_lock = threading.Lock()


def _load():
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    identifier.set_languages(CANDIDATES)
    return identifier


def language_of(text: str) -> str:
    """The ISO 639-1 code of the text's language, or ``UNDETERMINED`` (no letters, or no clear answer)."""
    global _identifier
    if not any(character.isalpha() for character in text or ""):
        return UNDETERMINED
    if _identifier is None:
        with _lock:
            if _identifier is None:
                _identifier = _load()
    language, probability = _identifier.classify(text)
    return language if probability >= MIN_PROBABILITY else UNDETERMINED
