"""Privacy jobs: the retention periods of the privacy notice, enforced daily."""

from ..core import queue
from ..core.queue import crontab
from .retention import enforce_retention


@queue.periodic(crontab(minute="0", hour="3"))
def retention():
    """Daily at 03:00 UTC: delete what is past its retention period."""
    enforce_retention()
