"""The second step of login, the second factor's set-up, and the account's sessions."""

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user

from ..core.errors import DomainError
from ..core.forms import PostForm
from ..core.policy import access
from ..core.views import back_on_refusal, client_ip, form_page
from . import login_flow, sessions, two_factor
from .forms import EnrolCodeForm, LoginCodeForm, PasswordCheckForm
from .routes import bp

# What a user who must set up a second factor may still reach before doing so.
OPEN_WHILE_ENROLLING = {
    "static",
    "accounts.two_factor",
    "accounts.two_factor_setup",
    "accounts.two_factor_enable",
    "accounts.logout",
    "main.set_language",
    "main.health",
    "main.security_txt",
    "privacy.notice",
}


@bp.before_app_request
def require_second_factor():
    """Admins, moderators, organisers and verified regulators reach nothing but the set-up until they have
    a second factor. API calls with a bearer token are let by: tokens are made in a full session."""
    if request.endpoint is None or request.endpoint in OPEN_WHILE_ENROLLING:
        return None
    user = current_user
    if not user.is_authenticated or g.get("authenticated_by_token"):  # in this order: the first loads the user
        return None
    if not user.needs_second_factor or user.has_second_factor:
        return None
    if request.path.startswith("/api/"):
        abort(403)
    if request.method == "GET":
        login_flow.remember_destination(request.full_path.rstrip("?"))
    return redirect(url_for("accounts.two_factor"))


@bp.route("/two-step", methods=["GET", "POST"])
@access("public")
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    pending = login_flow.pending_login()
    if pending is None:  # a page, not a redirect to /login: the person sees why they start again
        return render_template("accounts/login_expired.html"), 400
    user, target = pending
    form = LoginCodeForm()
    page = form_page("accounts/login_code.html", form)
    if form.validate_on_submit():
        kind = two_factor.verify_login_code(user, form.code.data, client_ip())
        notice = None
        if kind == "recovery":
            notice = ngettext(
                "You used a recovery code. It will not work again; %(num)d is left.",
                "You used a recovery code. It will not work again; %(num)d are left.",
                two_factor.unused_recovery_codes(user),
            )
        return login_flow.complete_login(user, target, notice)
    return page.render()


@bp.route("/account/two-factor", endpoint="two_factor")
@access("login", "own")
def two_factor_page():
    return _two_factor_page()


def _two_factor_page(enrol_form=None, regenerate_form=None, disable_form=None, new_codes=None, go_on=None, status=200):
    user = current_user
    secret = two_factor.pending_secret(user)
    uri = two_factor.provisioning_uri(user, secret) if secret else None
    page = render_template(
        "accounts/two_factor.html",
        secret=two_factor.readable_secret(secret),
        qr=two_factor.qr_data_uri(uri) if uri else None,
        enrol_form=enrol_form or EnrolCodeForm(formdata=None),
        post_form=PostForm(),
        new_codes=new_codes,
        go_on=go_on,
        regenerate_form=regenerate_form or PasswordCheckForm(formdata=None, prefix="regenerate"),
        disable_form=disable_form or PasswordCheckForm(formdata=None, prefix="disable"),
        unused_codes=two_factor.unused_recovery_codes(user),
    )
    return page, status


@bp.post("/account/two-factor/setup")
@access("login", "own")
def two_factor_setup():
    back_on_refusal(url_for("accounts.two_factor"))
    two_factor.start_enrolment(current_user)
    return redirect(url_for("accounts.two_factor"))


@bp.post("/account/two-factor/enable")
@access("login", "own")
def two_factor_enable():
    if current_user.has_second_factor:  # the form sent again (a reload of the page with the codes)
        flash(_("Two-step login is already on."), "success")
        return redirect(url_for("accounts.two_factor"), 303)
    form = EnrolCodeForm()
    page = form_page(lambda status: _two_factor_page(enrol_form=form, status=status), form)
    if not form.validate_on_submit():
        return page.render()
    codes = two_factor.confirm_enrolment(current_user, form.code.data)
    flash(_("Two-step login is on."), "success")
    return _two_factor_page(new_codes=codes, go_on=login_flow.destination_after_set_up())


def _checked_password(prefix):
    """The password typed into the two-factor page's ``prefix`` form; a refusal shows on that form."""
    form = PasswordCheckForm(prefix=prefix)
    form_page(lambda status: _two_factor_page(**{f"{prefix}_form": form}, status=status), form)
    if not form.validate_on_submit():
        raise DomainError(_("Please enter your password."), "password")
    return form.password.data


@bp.post("/account/two-factor/recovery-codes")
@access("login", "own")
def recovery_codes():
    codes = two_factor.regenerate_recovery_codes(current_user, _checked_password("regenerate"))
    flash(_("New recovery codes made: the old ones no longer work."), "success")
    return _two_factor_page(new_codes=codes)


@bp.post("/account/two-factor/disable")
@access("login", "own")
def two_factor_disable():
    two_factor.disable(current_user, _checked_password("disable"))
    flash(_("Two-step login is off."), "success")
    return redirect(url_for("accounts.two_factor"))


@bp.post("/account/sessions/<int:session_id>/end")
@access("login", "own")
def end_session(session_id):
    ended = sessions.end_users_session(current_user, session_id)
    if ended is None:
        abort(404)
    if g.get("user_session") is not None and ended.id == g.user_session.id:
        logout_user()
        session.clear()
        flash(_("You are logged out."), "success")
        return redirect(url_for("home.index"))
    flash(_("That session has been ended."), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/sessions/end-others")
@access("login", "own")
def sign_out_everywhere():
    count, tokens = sessions.sign_out_everywhere(current_user, g.get("user_session"))
    flash(
        _("Signed out everywhere else: %(sessions)s and %(tokens)s ended.")
        % {
            "sessions": ngettext("%(num)d session", "%(num)d sessions", count),
            "tokens": ngettext("%(num)d API token", "%(num)d API tokens", tokens),
        },
        "success",
    )
    return redirect(url_for("accounts.account"))
