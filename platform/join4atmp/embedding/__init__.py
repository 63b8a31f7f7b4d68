"""This app's sentence encoder and live vector indexes: search/'s plain pieces, bound to the app's config.

Matching, similar questions and webinar themes all encode through ``encoder()`` (one model per process,
loaded on first use); matching and similar questions each keep a ``live_index`` of their own rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from flask import current_app

if TYPE_CHECKING:  # numpy, the encoder and the index code are imported on first use, not at every command's start
    from ..search.encoder import Encoder
    from ..search.live import LiveIndex, Source

_EXTENSION = "join4atmp.live_indexes"


def encoder() -> Encoder:
    """The configured sentence encoder (EMBEDDING_MODEL), shared by every area of this process."""
    from ..search.encoder import shared

    return shared(current_app.config.get("EMBEDDING_MODEL"))


def multilingual_encoder() -> Encoder | None:
    """The second encoder (EMBEDDING_MULTILINGUAL_MODEL), for text not in English; None when turned off."""
    from ..search.encoder import shared

    name = current_app.config.get("EMBEDDING_MULTILINGUAL_MODEL")
    return shared(name) if name else None


def live_index(name: str, source: Callable[[], Source], cached: bool = False, model: str | None = None) -> LiveIndex:
    """This app's live index called ``name``, made once per process from ``source()``; with ``cached``, its
    copy is kept in ``instance/index/`` for a quick start, under the name of its vectors' ``model`` (by default
    the encoder's)."""
    indexes = current_app.extensions.setdefault(_EXTENSION, {})
    if name not in indexes:
        path = Path(current_app.instance_path) / "index" / f"{name}-{model or encoder().name}" if cached else None
        from ..search.live import LiveIndex

        config = current_app.config
        indexes[name] = LiveIndex(
            source(), path, approximate_from=config["INDEX_APPROXIMATE_FROM"], nprobe=config["INDEX_NPROBE"]
        )
    return indexes[name]
