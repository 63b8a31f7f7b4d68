"""Who may call each route: one table, checked before every request, deny by default.

Every endpoint in the URL map has an entry. The entry's *access* is enforced here, before the view runs:

- ``public``: anyone;
- ``login``: a logged-in member (a session, or a bearer token under /api/);
- ``moderator``, ``organiser``, ``admin``: a logged-in member with that duty (admins hold every duty).

The entry's *object* names the rule the view applies to the object in the URL, through the area's own
check (``questions.services.can_read``, ``webinars.policy.can_manage``, ...). An object the member may not
see answers 404, so that its existence does not leak; an object they may see but not change answers 403.
An endpoint with no entry answers 403 and logs an error: a new route must be given a rule here, and
tests/test_permissions.py checks every route of the URL map against this table.
"""
from dataclasses import dataclass

from flask import abort, current_app, request
from flask_login import current_user

PUBLIC, LOGIN, MODERATOR, ORGANISER, ADMIN = "public", "login", "moderator", "organiser", "admin"
DUTIES = {MODERATOR: "is_moderator", ORGANISER: "is_organiser", ADMIN: "is_admin"}


@dataclass(frozen=True)
class Rule:
    access: str
    object: str | None = None     # the object rule the view applies, in the words of the table below


def _rules(access, object_rule=None, *endpoints):
    return {endpoint: Rule(access, object_rule) for endpoint in endpoints}


# Object rules, as named in the table:
#   own            - the account's own data, or an item of it named in the URL (others' items: 404)
#   question.read  - public questions: everyone; confidential: asker, experts who accepted, moderators
#   question.asker - the asker only; question.edit - the asker and moderators
#   question.answer - public: any member; confidential: experts who accepted
#   answer.edit    - the answer's author and moderators
#   post.author    - the asker, moderators, and authors of answers (who see their own answers' history)
#   request.expert - the expert a match request was sent to
#   profile.listed - listed profiles (regulators once verified); profile.view - those, and one's own
#   webinar.view   - published or cancelled webinars; drafts to their managers
#   webinar.manage - the webinar's organiser (while an organiser) and admins
#   token          - a signed token in the URL decides
RULES: dict[str, Rule] = {
    "static": Rule(PUBLIC),
    **_rules(PUBLIC, None, "home.index", "jobs.health", "main.set_language", "main.security_txt", "accounts.login",
             "accounts.login_code",
             "accounts.register", "accounts.reset_request",
             "profiles.directory", "questions.index", "questions.similar", "webinars.index", "webinars.feed",
             "webinars.set_timezone", "api.experts", "api.list_questions", "privacy.notice"),
    **_rules(PUBLIC, "token", "accounts.confirm_email", "accounts.reset_password"),
    **_rules(PUBLIC, "profile.view", "profiles.show"),
    **_rules(PUBLIC, "profile.listed", "api.expert"),
    **_rules(PUBLIC, "question.read", "questions.show", "api.get_question"),
    **_rules(PUBLIC, "webinar.view", "webinars.show", "webinars.calendar_file"),
    **_rules(LOGIN, None, "accounts.logout", "accounts.resend_confirmation", "matching.ask", "matching.dashboard",
             "questions.mine", "webinars.mine", "api.me", "api.match", "api.create_question"),
    **_rules(LOGIN, "own", "accounts.account", "accounts.change_password", "accounts.create_token",
             "accounts.revoke_token", "accounts.notifications", "accounts.two_factor", "accounts.two_factor_setup",
             "accounts.two_factor_enable", "accounts.recovery_codes", "accounts.two_factor_disable",
             "accounts.end_session", "accounts.sign_out_everywhere", "profiles.edit", "profiles.add_interest",
             "profiles.add_publication", "profiles.delete_interest", "profiles.delete_publication",
             "privacy.data", "privacy.download", "privacy.withdraw", "privacy.erase"),
    **_rules(LOGIN, "question.read", "questions.flag_question", "questions.flag_answer", "questions.helpful",
             "questions.watch"),
    **_rules(LOGIN, "question.asker", "questions.accept", "questions.summary", "matching.experts"),
    **_rules(LOGIN, "question.edit", "questions.edit"),
    **_rules(LOGIN, "post.author", "questions.revisions"),
    **_rules(LOGIN, "answer.edit", "questions.edit_answer"),
    **_rules(LOGIN, "question.answer", "questions.answer", "api.create_answer"),
    **_rules(LOGIN, "request.expert", "matching.respond", "matching.accept", "matching.decline"),
    **_rules(LOGIN, "webinar.view", "webinars.register", "webinars.cancel_registration", "webinars.ask",
             "webinars.vote"),
    **_rules(MODERATOR, None, "questions.moderation", "questions.moderate", "questions.dismiss"),
    **_rules(ORGANISER, None, "webinars.manage.new"),
    **_rules(ORGANISER, "webinar.manage", "webinars.manage.overview", "webinars.manage.edit",
             "webinars.manage.publish", "webinars.manage.cancel", "webinars.manage.delete",
             "webinars.manage.message", "webinars.manage.attendance", "webinars.manage.registrants_csv",
             "webinars.manage.themes", "webinars.manage.answer", "webinars.manage.hide",
             "webinars.manage.publish_answers"),
    **_rules(ADMIN, None, "admin.index", "admin.users", "admin.verify", "admin.unverify", "admin.activate",
             "admin.deactivate", "admin.duty", "admin.audit_log", "admin.outbox", "admin.outbox_message"),
}


def rule_for(endpoint):
    return RULES.get(endpoint)


def allows(rule, user) -> bool:
    """Whether ``user`` passes the route-level part of ``rule`` (object rules are the view's)."""
    if rule.access == PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    return rule.access == LOGIN or bool(getattr(user, DUTIES[rule.access]))


def enforce():
    """before_request: refuse what the table does not allow, before any view code runs."""
    if request.endpoint is None:        # no route matched: Flask answers 404 or 405 itself
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
