"""Notification jobs: the daily digests, and the notifications held back by a busy thread. Thin: the
rules are in services.py."""

from ..core import queue
from ..core.queue import crontab
from . import services


@queue.periodic(crontab(minute="0", hour="6"))
def send_digests():
    """Daily at 06:00 UTC (morning in Europe): one email per digest reader, each notification once."""
    services.send_digests()


@queue.periodic(crontab(minute="*/15"))
def send_held():
    """Every 15 minutes: what a busy thread held back (one email per member, not one per answer)."""
    services.send_held()
