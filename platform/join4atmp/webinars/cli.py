"""`flask webinars ...`: reminders and the purge, both idempotent and safe to run from cron."""

import click
from flask.cli import AppGroup

from ..core.cli import request_context_for_links

webinars_cli = AppGroup("webinars", help="Webinars: reminders, personal data purge.")


@webinars_cli.command("send-reminders")
def send_reminders():
    """Email reminders WEBINAR_REMINDERS_HOURS before each webinar (cron: every 5 to 15 minutes)."""
    from .housekeeping import send_reminders as run

    with request_context_for_links():
        count = run()
    click.echo(f"{count} reminders queued.")


@webinars_cli.command("purge")
def purge():
    """Remove registrants' personal data WEBINAR_PURGE_AFTER_DAYS after each webinar (cron: daily)."""
    from .housekeeping import purge_personal_data

    count = purge_personal_data()
    click.echo(f"{count} webinars purged.")
