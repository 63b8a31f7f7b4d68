"""`flask jobs ...`: the background worker and a look at the queue."""

import json

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs: the worker, and the queue's state.")


@jobs_cli.command("worker")
@click.option(
    "--workers", "-w", type=click.IntRange(1, 64), default=None, help="Threads running jobs (default QUEUE_WORKERS)."
)
@click.option(
    "--periodic/--no-periodic",
    default=True,
    help="Also run the periodic jobs (one consumer with them is enough; duplicates are harmless).",
)
def worker(workers, periodic):
    """Run jobs from the queue: mail delivery, re-embedding, reminders, digests, expiry, retention."""
    from .worker import run

    if current_app.config.get("QUEUE_IMMEDIATE"):
        raise click.UsageError("QUEUE_IMMEDIATE is on: jobs run in the caller, there is no queue to consume.")
    run(workers or current_app.config["QUEUE_WORKERS"], periodic)


@jobs_cli.command("status")
def status():
    """Print the health report (database, queue, mail, index) as JSON."""
    from .health import report

    body, _ = report()
    click.echo(json.dumps(body, indent=2))
