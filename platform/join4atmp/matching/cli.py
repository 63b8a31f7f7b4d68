"""`flask matching ...`: index maintenance, deadlines and evaluation."""

import json

import click
from flask.cli import AppGroup

from . import indexing

matching_cli = AppGroup("matching", help="Expert matching: index, deadlines, evaluation.")


class _Progress:
    """tqdm as the ``progress`` callable the services take."""

    def __init__(self, description, unit):
        from tqdm import tqdm  # imported by the commands that show progress, not at every command's start

        self.bar = tqdm(desc=description, unit=unit, disable=None)

    def __call__(self, n):
        self.bar.update(n)

    def close(self):
        self.bar.close()


@matching_cli.command("reindex")
@click.option("--if-needed", is_flag=True, help="Only embed profiles that have no passages from the configured model.")
def reindex(if_needed):
    """Re-embed every expert's evidence and rebuild the index (shows progress)."""
    if if_needed:
        missing = indexing.profiles_needing_index()
        if not missing:
            click.echo("The index is up to date.")
            return
        if len(missing) < 50:
            indexing.reindex_profiles(missing)
            click.echo(f"{len(missing)} profiles embedded.")
            return
    progress = _Progress("Embedding passages", "passage")
    total = indexing.reindex_all(progress=progress)
    progress.close()
    click.echo(f"{total} passages indexed.")


@matching_cli.command("expire")
def expire():
    """Expire requests past their deadline and offer them to the next expert (idempotent; cron-safe)."""
    from ..core.cli import request_context_for_links
    from .routing import expire_overdue

    with request_context_for_links():
        count = expire_overdue()
    click.echo(f"{count} requests expired and re-routed.")


@matching_cli.command("evaluate")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--scores-out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write each query's score for every expert as JSON lines.",
)
@click.option(
    "--aggregation", "aggregations", multiple=True, help="Aggregation(s) to measure (default: the configured one)."
)
def evaluate(directory, scores_out, aggregations):
    """Measure matching on an expert-finding dataset; prints one JSON line per aggregation."""
    from flask import current_app

    from .evaluation import evaluate as run

    aggregations = aggregations or (current_app.config["MATCHING_AGGREGATION"],)
    progress = _Progress("Embedding passages", "passage")
    results = run(
        directory,
        model=current_app.config.get("EMBEDDING_MODEL"),
        aggregations=aggregations,
        scores_out=scores_out,
        progress=progress,
    )
    progress.close()
    for name, figures in results.items():
        line = {"dataset": directory.rstrip("/").rsplit("/", 1)[-1], "aggregation": name}
        line.update({key: round(value, 4) if isinstance(value, float) else value for key, value in figures.items()})
        click.echo(json.dumps(line))
