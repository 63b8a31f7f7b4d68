import click
from flask.cli import AppGroup

from .services import deliver_pending

mail_cli = AppGroup("mail", help="Email outbox.")


@mail_cli.command("send-pending")
def send_pending():
    """Deliver queued and failed messages that are due (safe to run from cron every minute)."""
    sent, failed = deliver_pending()
    click.echo(f"{sent} sent, {failed} failed")
