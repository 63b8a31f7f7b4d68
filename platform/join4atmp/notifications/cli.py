import click
from flask.cli import AppGroup

from ..core.mail import deliver_pending

mail_cli = AppGroup("mail", help="Email outbox.")


@mail_cli.command("send-pending")
def send_pending():
    """Deliver queued and failed messages that are due now (the worker does this every minute)."""
    sent, failed, _ = deliver_pending()
    click.echo(f"{sent} sent, {failed} failed")


notifications_cli = AppGroup("notifications", help="Notifications to members.")


@notifications_cli.command("digest")
def digest():
    """Email each digest reader what is new since their last digest (idempotent; the worker runs it daily)."""
    from ..core.cli import request_context_for_links
    from .services import send_digests

    with request_context_for_links():
        count = send_digests()
    click.echo(f"{count} digests sent")
