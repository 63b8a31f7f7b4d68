import click
from flask import current_app
from flask.cli import AppGroup

from . import services

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only load into a database that has no users yet.")
def load(if_empty):
    """Load the demo experts and logins; existing accounts are left as they are."""
    if if_empty and not services.database_is_empty():
        click.echo("The database already has users; demo data not loaded.")
        return
    from tqdm import tqdm  # only here: every other command's start would pay for it

    with tqdm(desc="Demo experts", unit="expert", disable=None) as bar:
        created, skipped = services.load_demo(current_app.config["DEMO_PASSWORD"], progress=bar.update)
    click.echo(f"{created} accounts created, {skipped} already present.")
    from ..core.cli import request_context_for_links

    with request_context_for_links():
        threads = services.load_demo_threads()
        webinars = services.load_demo_webinars()
    click.echo(f"{threads} demo Q&A threads and {webinars} demo webinars created.")
    if created or threads:
        from ..matching.indexing import reindex_all

        with tqdm(desc="Embedding evidence", unit="passage", disable=None) as bar:
            passages = reindex_all(progress=bar.update)
        click.echo(f"{passages} evidence passages indexed for matching.")
    click.echo(f"Demo logins (password: {current_app.config['DEMO_PASSWORD']}):")
    for login in services.demo_logins():
        click.echo(f"  {login['role']:<12} {login['email']}")
