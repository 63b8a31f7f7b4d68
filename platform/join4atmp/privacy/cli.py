import click
from flask.cli import AppGroup

from .retention import enforce_retention

privacy_cli = AppGroup("privacy", help="Privacy: retention of logs and personal data.")


@privacy_cli.command("retention")
def retention_command():
    """Delete what is past its retention period (safe to run daily from cron)."""
    for what, count in enforce_retention().items():
        click.echo(f"{what}: {count} removed")
