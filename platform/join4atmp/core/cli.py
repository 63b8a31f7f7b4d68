"""Helpers for commands that render links or emails outside a web request."""

from contextlib import contextmanager

from flask import current_app


@contextmanager
def request_context_for_links():
    """A request context on BASE_URL, so url_for(..., _external=True) builds real links from cron."""
    with current_app.test_request_context("/", base_url=current_app.config["BASE_URL"]):
        yield
