"""Account rules: registration, confirmation, login, passwords, API tokens, admin actions.

Services validate, change models, commit and then send signals; they raise ``DomainError``
(with the form field it belongs to) for a view to show. Messages that could reveal whether an
email address is registered are identical either way.
"""

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..core import audit
from ..core.errors import DomainError, LinkInvalid, RateLimited
from ..core.mail import queue_email, render_email
from ..core.ratelimit import clear_hits, forget, is_limited, record_hit
from ..core.roles import Role
from ..core.signals import user_created
from ..core.time import utcnow
from ..extensions import db
from . import links, sessions
from .attempts import check_current_password, throttle
from .models import User
from .passwords import _dummy_hash, hash_password, needs_rehash, verify_password

INVALID_LOGIN = _l("Email or password is not correct.")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def check_password_rules(password: str, field="password"):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise DomainError(_l("Use at least %(n)d characters.", n=minimum), field)
    if len(password) > 1024:
        raise DomainError(_l("That password is too long."), field)


def create_user(
    email, password, role, *, display_name="", confirmed=False, verified=False, locale=None, password_hash=None
):
    """Create a user (and, through ``user_created``, an empty profile); the caller commits. Raises if the
    email is taken.

    ``password_hash`` (an Argon2 hash of ``password``) saves hashing again when many accounts
    share one password, as the demo accounts do."""
    email = normalise_email(email)
    if find_user_by_email(email):
        raise DomainError(_l("An account with this email already exists."), "email")
    check_password_rules(password)
    now = utcnow()
    user = User(
        email=email,
        password_hash=password_hash or hash_password(password),
        role=Role(role),
        locale=locale,
        email_confirmed_at=now if confirmed else None,
        verified_at=now if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    user_created.send(user, display_name=display_name.strip())
    return user


def register(email, password, role, display_name, ip, locale=None):
    """Sign up. The outcome the person sees is the same whether or not the email was free:
    a new account gets a confirmation link, an existing one a note that someone tried again."""
    if is_limited(f"register:ip:{ip}", current_app.config["REGISTER_LIMIT_PER_IP"]):
        raise RateLimited(_l("Too many sign-ups from your network. Please try again later."))
    if Role(role) not in Role.registrable():
        raise DomainError(_l("Choose one of the roles offered."), "role")
    check_password_rules(password)
    record_hit(f"register:ip:{ip}", current_app.config["REGISTER_LIMIT_PER_IP"])
    existing = find_user_by_email(email)
    if existing:
        hash_password(password)  # the work a new account costs: the answer takes as long either way
        queue_email(
            existing.email,
            _l("Someone tried to register with your email address"),
            "already_registered",
            locale=existing.locale,
            user=existing,
            login_url=_external("accounts.login"),
            reset_url=_external("accounts.reset_request"),
        )
        db.session.commit()
        return None
    user = create_user(email, password, role, display_name=display_name, locale=locale)
    _queue_confirmation(user)
    db.session.commit()
    return user


def _external(endpoint, **values):
    return url_for(endpoint, _external=True, **values)


def _queue_confirmation(user):
    queue_email(
        user.email,
        _l("Confirm your email address"),
        "confirm_email",
        locale=user.locale,
        user=user,
        confirm_url=_external("accounts.confirm_email", token=links.make_confirm_token(user)),
    )


def resend_confirmation(user):
    if user.is_confirmed:
        return
    _queue_confirmation(user)
    db.session.commit()


def confirm_email(token) -> User:
    max_age = int(current_app.config["EMAIL_CONFIRM_MAX_AGE"].total_seconds())
    payload = links.read_confirm_token(token, max_age)
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or user.email != payload.get("email"):
        raise LinkInvalid(_l("This confirmation link is invalid or has expired."))
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return user


def account_limit_key(action: str, email: str) -> str:
    """The rate limiter's key for failed logins or reset requests against one address."""
    return f"{action}:acct:{normalise_email(email)}"


def authenticate(email, password, ip) -> User:
    """Check credentials under per-account and per-IP limits on failed attempts."""
    config = current_app.config
    account_key = account_limit_key("login", email)
    pair_key = f"{account_key}:ip:{ip}"
    # Each attempt is counted before the password is checked; past the free ones, delays grow. The
    # strict limit is for this account from this address; the account from anywhere and the address for
    # any account wait at most a minute, so that a stranger cannot lock a member, or a network, out.
    attempts = throttle(
        (pair_key, config["LOGIN_LIMIT_PER_ACCOUNT"], config["LOGIN_MAX_DELAY"]),
        (account_key, config["LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE"], config["LOGIN_SHARED_MAX_DELAY"]),
        (f"login:ip:{ip}", config["LOGIN_LIMIT_PER_IP"], config["LOGIN_SHARED_MAX_DELAY"]),
    )
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        # An unknown address is not written down: the log would become a list of guessed emails.
        audit.record(None, "login.failed", user, detail=f"ip {ip}" + ("" if user else ", unknown account"))
        db.session.commit()
        raise DomainError(INVALID_LOGIN)
    if not user.is_active:
        raise DomainError(_l("This account has been deactivated. Please contact the platform team."))
    if not user.is_confirmed:
        raise DomainError(_l("Please confirm your email address first: use the link we sent you."))
    for hit in attempts:  # a success is no failure
        forget(hit)
    clear_hits(pair_key)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.commit()  # the login itself is recorded when its session starts (sessions.start_session)
    return user


def change_password(user, current_password, new_password, keep_session=None, end_tokens=False):
    """Change the password and end every other session of the user (``keep_session`` goes on), and with
    ``end_tokens`` the user's API tokens too."""
    check_current_password(user, current_password, "current_password", _l("Your current password is not correct."))
    check_password_rules(new_password, "new_password")
    _set_password(user, new_password, keep_session)
    ended = sessions.end_api_tokens(user) if end_tokens else 0
    audit.record(user, "password.change", user, detail=f"{sessions.counted(ended, 'token')} ended" if ended else None)
    db.session.commit()


def _set_password(user, password, keep_session=None):
    user.password_hash = hash_password(password)
    sessions.end_other_sessions(user, keep_session)


def request_password_reset(email, ip):
    """Send a reset link if the account exists; the caller shows the same message either way."""
    config = current_app.config
    account_key, ip_key = account_limit_key("reset", email), f"reset:ip:{ip}"
    if is_limited(ip_key, config["RESET_LIMIT_PER_IP"]):
        raise RateLimited(_l("Too many requests. Please try again later."))
    record_hit(ip_key, config["RESET_LIMIT_PER_IP"])
    user = find_user_by_email(email)
    if user and user.is_active and not is_limited(account_key, config["RESET_LIMIT_PER_ACCOUNT"]):
        record_hit(account_key, config["RESET_LIMIT_PER_ACCOUNT"])
        _reset_email(user)
    else:
        # The same work for an address with no account (or none to send): the timing tells nothing.
        record_hit(account_key, config["RESET_LIMIT_PER_ACCOUNT"])
        stand_in = User(email=normalise_email(email), password_hash=_dummy_hash(), role=Role.DEVELOPER)
        stand_in.id = 0
        _reset_email(stand_in, store=False)
    db.session.commit()


def _reset_email(user, store=True):
    """The reset link, queued to ``user`` (or only rendered, with ``store`` false)."""
    send = queue_email if store else render_email
    return send(
        user.email,
        _l("Reset your password"),
        "reset_password",
        locale=user.locale,
        user=user,
        reset_url=_external("accounts.reset_password", token=links.make_reset_token(user)),
    )


def user_for_reset_token(token) -> User:
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds())
    payload = links.read_reset_token(token, max_age)
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or not user.is_active or not links.reset_token_matches(payload, user):
        raise LinkInvalid(_l("This reset link is invalid, expired or already used."))
    return user


def reset_password(token, new_password) -> User:
    user = user_for_reset_token(token)
    check_password_rules(new_password)
    _set_password(user, new_password)  # ends all sessions: whoever knew the old password is out
    sessions.end_api_tokens(user)  # ... and any token they made with it
    audit.record(user, "password.reset", user)
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()  # the link proved the address
    clear_hits(account_limit_key("login", user.email))
    db.session.commit()
    return user


# --- Admin actions ------------------------------------------------------------------------


def _end_tokens_if_second_factor_now_needed(user, needed_before: bool):
    """A role, duty or verification that now demands a second factor ends the tokens made without one:
    they were made under weaker rules than those the new duty sets."""
    if user.needs_second_factor and not needed_before:
        sessions.end_api_tokens(user)


def set_verified(user, verified: bool, by=None):
    needed_before = user.needs_second_factor
    user.verified_at = utcnow() if verified else None
    _end_tokens_if_second_factor_now_needed(user, needed_before)
    audit.record(by, "user.verify" if verified else "user.unverify", user)
    db.session.commit()


def set_active(user, active: bool, by):
    if user.id == by.id and not active:
        raise DomainError(_l("You cannot deactivate your own account."))
    user.is_active_account = active
    if not active:
        sessions.end_other_sessions(user)
    audit.record(by, "user.activate" if active else "user.deactivate", user)
    db.session.commit()


def set_notification_mode(user, mode):
    if mode not in ("immediate", "digest"):
        raise DomainError(_l("Choose one of the options."), "notification_mode")
    user.notification_mode = mode
    db.session.commit()


DUTIES = {"moderator": "is_moderator_flag", "organiser": "is_organiser_flag"}


def set_duty(user, duty, on: bool, by):
    """Give or take a duty (moderating Q&A, organising webinars) beside the user's role."""
    if duty not in DUTIES:
        raise DomainError(_l("Unknown duty."))
    needed_before = user.needs_second_factor
    setattr(user, DUTIES[duty], on)
    _end_tokens_if_second_factor_now_needed(user, needed_before)
    audit.record(by, f"user.{duty}.{'grant' if on else 'revoke'}", user)
    db.session.commit()
