"""Users, their roles, personal API tokens, server-side sessions and second factors."""

from flask_login import UserMixin

from ..core.roles import Role
from ..core.text import guard_text
from ..core.time import utcnow
from ..extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.Enum(Role, native_enum=False, length=20, validate_strings=True), nullable=False)
    email_confirmed_at = db.Column(db.DateTime)
    verified_at = db.Column(db.DateTime)  # an admin checked who this expert is
    is_active_account = db.Column(db.Boolean, nullable=False, default=True)
    # Extra duties an admin grants, beside the role: moderating Q&A, organising webinars.
    is_moderator_flag = db.Column("is_moderator", db.Boolean, nullable=False, default=False, server_default="0")
    is_organiser_flag = db.Column("is_organiser", db.Boolean, nullable=False, default=False, server_default="0")
    locale = db.Column(db.String(8))
    timezone = db.Column(db.String(64))
    # "immediate": one email per notification; "digest": one email a day (flask notifications digest).
    notification_mode = db.Column(db.String(10), nullable=False, default="immediate", server_default="immediate")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime)

    profile = db.relationship("ExpertProfile", back_populates="user", uselist=False, cascade="all, delete-orphan")
    api_tokens = db.relationship("ApiToken", back_populates="user", cascade="all, delete-orphan")
    sessions = db.relationship("UserSession", back_populates="user", cascade="all, delete-orphan", passive_deletes=True)
    two_factor = db.relationship(
        "TwoFactor", back_populates="user", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )
    recovery_codes = db.relationship(
        "RecoveryCode", back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def name(self) -> str:
        """How others see this member: the profile's display name, or the email address without one."""
        return (self.profile.display_name if self.profile else "") or self.email

    @property
    def is_active(self):
        return self.is_active_account

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    @property
    def is_moderator(self):
        return self.is_admin or self.is_moderator_flag

    @property
    def is_organiser(self):
        return self.is_admin or self.is_organiser_flag

    @property
    def is_confirmed(self):
        return self.email_confirmed_at is not None

    @property
    def is_verified(self):
        return self.verified_at is not None

    @property
    def needs_second_factor(self):
        """Duties that reach other people's data, and verified regulators, must log in with a second factor."""
        return self.is_moderator or self.is_organiser or (self.role == Role.REGULATOR and self.is_verified)

    @property
    def has_second_factor(self):
        return self.two_factor is not None and self.two_factor.is_enabled

    def get_id(self):
        # The cookie also carries the server-side session's id; the user loader checks both (accounts/auth.py).
        return str(self.id)

    def __repr__(self):
        return f"<User {self.id} {self.role.value}>"


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 digest is stored, the token is shown once."""

    __tablename__ = "api_token"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(80), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)  # shown in lists to tell tokens apart
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)

    user = db.relationship("User", back_populates="api_tokens")

    @property
    def is_active(self):
        return self.revoked_at is None


class UserSession(db.Model):
    """A logged-in browser. The cookie holds a random id; only its SHA-256 digest is stored here."""

    __tablename__ = "user_session"

    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_seen_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    ip = db.Column(db.String(45))
    user_agent = db.Column(db.String(255))
    revoked_at = db.Column(db.DateTime, index=True)

    user = db.relationship("User", back_populates="sessions")


class TwoFactor(db.Model):
    """A user's TOTP authenticator. The secret is encrypted (accounts/two_factor.py); ``confirmed_at`` is set
    once the user has proved, with a first code, that their app holds it."""

    __tablename__ = "two_factor"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, unique=True)
    secret_encrypted = db.Column(db.String(255), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    confirmed_at = db.Column(db.DateTime)
    # The newest 30-second time step accepted: a code of that step or an earlier one is refused (replay).
    last_used_step = db.Column(db.BigInteger)

    user = db.relationship("User", back_populates="two_factor")

    @property
    def is_enabled(self):
        return self.confirmed_at is not None


class RecoveryCode(db.Model):
    """A one-time recovery code, stored as a salted SHA-256 digest (the codes carry 50 random bits)."""

    __tablename__ = "recovery_code"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    salt = db.Column(db.String(32), nullable=False)
    code_hash = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    used_at = db.Column(db.DateTime)

    user = db.relationship("User", back_populates="recovery_codes")


# Length and control-character rules on every member-written field (core/text.py).
guard_text(ApiToken, exclude=("token_hash", "prefix"))
