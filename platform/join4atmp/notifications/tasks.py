"""Jobs of the outbox: deliver what a commit queued (and retry it at its back-off time), sweep up what a
lost job left, and send the daily digests. Thin: the rules are in services.py."""
from ..core import queue
from ..core.queue import crontab
from ..core.time import utcnow
from . import services


@queue.task()
def deliver(ids):
    """Deliver the messages one transaction queued; a retry job follows at the back-off time."""
    _, _, next_due = services.deliver_pending(ids)
    if next_due is not None:
        deliver.schedule((ids,), delay=max(1.0, (next_due - utcnow()).total_seconds()))


@queue.periodic(crontab(minute="*"))
def deliver_due():
    """Every minute: whatever is due and not sent (a job lost with a killed worker, a queue that was down)."""
    services.deliver_pending()


@queue.periodic(crontab(minute="0", hour="6"))
def send_digests():
    """Daily at 06:00 UTC (morning in Europe): one email per digest reader, each notification once."""
    services.send_digests()
