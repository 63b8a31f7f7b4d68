"""Which language a text is written in: py3langid's bundled model (97 languages, numpy only), loaded once per
process on first use."""

import threading

_identifier = None
_lock = threading.Lock()


def _load():
    from py3langid import langid

    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of the text's language; ("", 0.0) for a text with no letters."""
    global _identifier
    if not any(character.isalpha() for character in text):
        return "", 0.0
    if _identifier is None:
        with _lock:
            if _identifier is None:
                _identifier = _load()
    language, probability = _identifier.classify(text)
    return language, float(probability)
