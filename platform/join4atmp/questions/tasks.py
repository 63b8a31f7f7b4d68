"""Questions' jobs: the multilingual vectors of similar-question search."""

from ..core import queue
from ..core.queue import crontab
from . import similar


@queue.task()
def embed_multilingual():
    """Add the multilingual vector to the public questions that lack it (queued by each change)."""
    similar.embed_missing()


@queue.periodic(crontab(minute="*"))
def sweep_multilingual():
    """Every minute: what a lost job left, and every question once the multilingual encoder is turned on."""
    similar.embed_missing()
