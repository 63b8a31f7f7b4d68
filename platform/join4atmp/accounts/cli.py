"""`flask users ...`: scriptable administration for operators and automation."""

from pathlib import Path

import click
from flask.cli import AppGroup

from ..core.errors import DomainError
from ..core.roles import Role
from ..extensions import db
from . import services, tokens

users_cli = AppGroup("users", help="Create users and API tokens, reset a second factor.")


def _read_password(password_file):
    if password_file:
        return Path(password_file).read_text().strip()
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _create(email, password_file, role, verified):
    try:
        user = services.create_user(email, _read_password(password_file), role, confirmed=True, verified=verified)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@users_cli.command("create-admin")
@click.option("--email", required=True)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Read the password from this file instead of asking.",
)
def create_admin(email, password_file):
    """Create an administrator (confirmed and verified)."""
    _create(email, password_file, Role.ADMIN.value, verified=True)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password-file", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--verified", is_flag=True, help="Mark the expert as verified by an admin.")
def create(email, password_file, role, verified):
    """Create a confirmed user with the given role."""
    _create(email, password_file, role, verified)


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True)
def token(email, name):
    """Create an API token for EMAIL and print it (it is not shown again)."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    if user.needs_second_factor and not user.has_second_factor:
        raise click.ClickException(
            f"{email} must set up two-step login (their role or duty demands it) before a token can act for them."
        )
    _, plain = tokens.create_api_token(user, name, via="command line")
    click.echo(plain)


@users_cli.command("reset-2fa")
@click.argument("email")
def reset_two_factor(email):
    """Remove EMAIL's second factor (a locked-out user) and end their sessions; recorded in the audit log.
    Check who is asking before running this: it lets the password alone in until they enrol again."""
    from .two_factor import admin_reset

    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    admin_reset(user)
    click.echo(
        f"Two-step login removed for {user.email}; they set it up again at their next login"
        f"{' (required for them)' if user.needs_second_factor else ''}."
    )
