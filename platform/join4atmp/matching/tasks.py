"""Matching jobs: re-embed marked evidence, and expire requests past their deadline."""

from ..core import queue
from ..core.queue import crontab
from . import indexing, routing


@queue.task()
def reindex_stale():
    """Re-embed the profiles marked stale (queued by the commit that marked them)."""
    indexing.reindex_stale()


@queue.periodic(crontab(minute="*"))
def sweep_stale_evidence():
    """Every minute: marks that a lost job left behind (a killed worker, a queue that was down), and profiles
    with no passages from a configured model (e.g. the multilingual one, just turned on)."""
    indexing.mark_missing()
    indexing.reindex_stale()


@queue.periodic(crontab(minute="*"))
def expire_requests():
    """Every minute: requests past their deadline expire and go to the next expert."""
    routing.expire_overdue()
