"""Who may call each route: declared beside the route, checked before every request, deny by default.

Every view declares its rule with ``@access(level, object_rule)`` under its route. The *level* is enforced
here, before the view runs:

- ``public``: anyone;
- ``login``: a logged-in member (a session, or a bearer token under /api/);
- ``moderator``, ``organiser``, ``admin``: a logged-in member with that duty (admins hold every duty).

The *object rule* names the rule the view applies to the object in the URL, through the area's own
check (``questions.policy.can_read``, ``webinars.policy.can_manage``, ...). An object the member may not
see answers 404, so that its existence does not leak; an object they may see but not change answers 403.
An endpoint with no rule answers 403 and logs an error: a new route must declare one, and
tests/app/test_permissions.py checks every route of the URL map, against every role, by its declared rule.
"""

from dataclasses import dataclass

from flask import abort, current_app, request
from flask_login import current_user

PUBLIC, LOGIN, MODERATOR, ORGANISER, ADMIN = "public", "login", "moderator", "organiser", "admin"
DUTIES = {MODERATOR: "is_moderator", ORGANISER: "is_organiser", ADMIN: "is_admin"}


@dataclass(frozen=True)
class Rule:
    access: str
    object: str | None = None  # the object rule the view applies, one of OBJECT_RULES


LEVELS = (PUBLIC, LOGIN, MODERATOR, ORGANISER, ADMIN)
# The object rules a route may name; each is a predicate in its area's policy.py.
OBJECT_RULES = {
    "own": "the account's own data, or an item of it named in the URL (others' items: 404)",
    "question.read": "public questions: everyone; confidential: asker, experts who accepted, moderators",
    "question.asker": "the asker only",
    "question.edit": "the asker and moderators",
    "question.answer": "public: any member; confidential: experts who accepted",
    "answer.edit": "the answer's author and moderators",
    "post.author": "the asker, moderators, and authors of answers (who see their own answers' history)",
    "request.expert": "the expert a match request was sent to",
    "profile.listed": "listed profiles (regulators once verified)",
    "profile.view": "listed profiles, and one's own",
    "webinar.view": "published or cancelled webinars; drafts to their managers",
    "webinar.manage": "the webinar's organiser (while an organiser) and admins",
    "token": "a signed token in the URL decides",
}
# Endpoints Flask itself defines, which no area's module can decorate.
BUILT_IN: dict[str, Rule] = {"static": Rule(PUBLIC)}


def access(level: str, object_rule: str | None = None):
    """Declare who may call a route, written under its ``@bp.route``: ``@access("login", "question.read")``.

    The before-request check reads it, so the rule is enforced before the view runs; the view (and the
    area's ``policy.py``) applies the named object rule to the object in the URL.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}: use one of {', '.join(LEVELS)}")
    if object_rule is not None and object_rule not in OBJECT_RULES:
        raise ValueError(f"unknown object rule {object_rule!r}: add it to OBJECT_RULES with its meaning")
    rule = Rule(level, object_rule)

    def declare(view):
        view.access_rule = rule
        return view

    return declare


def rule_for(endpoint, app=None) -> Rule | None:
    """The rule declared for ``endpoint``, or None if its view declares none."""
    view = (app or current_app).view_functions.get(endpoint)
    return getattr(view, "access_rule", None) or BUILT_IN.get(endpoint)


def allows(rule, user) -> bool:
    """Whether ``user`` passes the route-level part of ``rule`` (object rules are the view's)."""
    if rule.access == PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    return rule.access == LOGIN or bool(getattr(user, DUTIES[rule.access]))


def enforce():
    """before_request: refuse what the table does not allow, before any view code runs."""
    if request.endpoint is None:  # no route matched: Flask answers 404 or 405 itself
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("No access rule for endpoint %s: refused", request.endpoint)
        abort(403)
    if allows(rule, current_user):
        return None
    if not current_user.is_authenticated:
        from ..extensions import login_manager

        return login_manager.unauthorized()
    abort(403)


def register_access_policy(app):
    app.before_request(enforce)
