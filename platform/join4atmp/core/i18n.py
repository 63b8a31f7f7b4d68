"""Which language a page is shown in: the user's choice, then the session's, then the browser's. Which zone
its times are shown in: the member's, then the one a visitor chose (on a webinar page), else the default."""

from functools import lru_cache
from zoneinfo import available_timezones

from flask import current_app, has_request_context, request, session
from flask_login import current_user

TIMEZONE_SESSION_KEY = "webinar_tz"  # the name it had when only webinar pages used it: sessions keep it


@lru_cache(maxsize=1)
def _zones() -> frozenset:
    return frozenset(available_timezones())


def select_locale():
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line and emails rendered outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone():
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    chosen = session.get(TIMEZONE_SESSION_KEY)
    return chosen if isinstance(chosen, str) and chosen in _zones() else None
