"""Registration, login, logout, passwords and the account page. The second step of login, the second
factor's set-up and the list of sessions are in security_routes.py, on the same blueprint."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..core import pagecache
from ..core.forms import PostForm
from ..core.policy import access
from ..core.views import client_ip, form_page, safe_next
from . import login_flow, services, sessions, tokens
from .browsers import browser_label
from .forms import (
    ApiTokenForm,
    ChangePasswordForm,
    LoginForm,
    NotificationsForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)

bp = Blueprint("accounts", __name__)

CHECK_EMAIL = "accounts/check_email.html"


@bp.route("/register", methods=["GET", "POST"])
@access("public")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("profiles.edit"))
    form = RegisterForm()
    page = form_page("accounts/register.html", form)
    if form.validate_on_submit():
        services.register(
            form.email.data,
            form.password.data,
            form.role.data,
            form.display_name.data,
            client_ip(),
            locale=session.get("lang"),
        )
        return render_template(CHECK_EMAIL, email=form.email.data, purpose="register")
    return page.render()


@bp.route("/confirm/<token>")
@access("public", "token")
def confirm_email(token):
    services.confirm_email(token)
    flash(_("Thank you, your email address is confirmed. You can log in now."), "success")
    return redirect(url_for("accounts.login"))


@bp.post("/confirm/resend")
@access("login")
def resend_confirmation():
    services.resend_confirmation(current_user)
    flash(_("We sent you a new confirmation link."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/login", methods=["GET", "POST"])
@access("public")
def login():
    target = safe_next(request.args.get("next"), url_for("home.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    page = form_page("accounts/login.html", form)
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data, client_ip())
        if user.has_second_factor:
            login_flow.begin_second_step(user, target)
            return redirect(url_for("accounts.login_code"))
        return login_flow.complete_login(user, target)
    return page.render()


@bp.post("/logout")
@access("login")
def logout():
    if g.get("user_session") is not None:
        sessions.end_session(g.user_session)
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("home.index"))


@bp.route("/reset", methods=["GET", "POST"])
@access("public")
def reset_request():
    form = ResetRequestForm()
    page = form_page("accounts/reset_request.html", form)
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, client_ip())
        return render_template(CHECK_EMAIL, email=form.email.data, purpose="reset")
    return page.render()


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access("public", "token")
def reset_password(token):
    services.user_for_reset_token(token)
    form = ResetPasswordForm()
    page = form_page("accounts/reset_password.html", form)
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        logout_user()
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("accounts.login"))
    return page.render()


@bp.route("/account")
@access("login", "own")
@pagecache.cached
def account():
    return _account_page()


def _account_page(password_form=None, token_form=None, new_token=None, error=None, status=200):
    password_form = password_form or ChangePasswordForm(formdata=None)
    token_form = token_form or ApiTokenForm(formdata=None)
    notifications_form = NotificationsForm(formdata=None, notification_mode=current_user.notification_mode)
    page = render_template(
        "accounts/account.html",
        password_form=password_form,
        token_form=token_form,
        notifications_form=notifications_form,
        post_form=PostForm(),
        new_token=new_token,
        tokens=current_user.api_tokens,
        user_sessions=sessions.active_sessions(current_user),
        this_session=g.get("user_session"),
        browser_label=browser_label,
    )
    return page, status


@bp.post("/account/password")
@access("login", "own")
def change_password():
    form = ChangePasswordForm()
    page = form_page(lambda status: _account_page(password_form=form, status=status), form)
    if form.validate_on_submit():
        services.change_password(
            current_user,
            form.current_password.data,
            form.new_password.data,
            keep_session=g.get("user_session"),
            end_tokens=form.end_tokens.data,
        )
        flash(_("Your password has been changed. Other sessions have been signed out."), "success")
        return redirect(url_for("accounts.account"))
    return page.render()


@bp.post("/account/tokens")
@access("login", "own")
def create_token():
    form = ApiTokenForm()
    page = form_page(lambda status: _account_page(token_form=form, status=status), form)
    if form.validate_on_submit():
        token, plain = tokens.create_api_token(current_user, form.name.data)
        return _account_page(new_token=(token, plain))
    return page.render()


@bp.post("/account/tokens/<int:token_id>/revoke")
@access("login", "own")
def revoke_token(token_id):
    tokens.revoke_api_token(current_user, token_id)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/notifications")
@access("login", "own")
def notifications():
    form = NotificationsForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_notification_mode(current_user, form.notification_mode.data)
    flash(_("Your preference has been saved."), "success")
    return redirect(url_for("accounts.account"))


# Imported last, for its side effect: it adds its routes (and the enrolment gate) to bp.
from . import security_routes  # noqa: E402

__all__ = ["bp", "security_routes"]
