"""Users, their roles and personal API tokens."""
import enum

from flask_login import UserMixin

from ..core.time import utcnow
from ..extensions import db


class Role(str, enum.Enum):
    DEVELOPER = "developer"
    REGULATOR = "regulator"
    CLINICIAN = "clinician"
    PATIENT_ORG = "patient_org"
    ADMIN = "admin"

    @classmethod
    def registrable(cls):
        """Roles a person may choose at sign-up; admins are made on the command line."""
        return [cls.DEVELOPER, cls.REGULATOR, cls.CLINICIAN, cls.PATIENT_ORG]


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.Enum(Role, native_enum=False, length=20, validate_strings=True), nullable=False)
    email_confirmed_at = db.Column(db.DateTime)
    verified_at = db.Column(db.DateTime)          # an admin checked who this expert is
    is_active_account = db.Column(db.Boolean, nullable=False, default=True)
    # Extra duties an admin grants, beside the role: moderating Q&A, organising webinars.
    is_moderator_flag = db.Column("is_moderator", db.Boolean, nullable=False, default=False, server_default="0")
    is_organiser_flag = db.Column("is_organiser", db.Boolean, nullable=False, default=False, server_default="0")
    locale = db.Column(db.String(8))
    timezone = db.Column(db.String(64))
    # "immediate": one email per notification; "digest": one email a day (flask notifications digest).
    notification_mode = db.Column(db.String(10), nullable=False, default="immediate", server_default="immediate")
    # Bumped on password change or reset: sessions carrying an older value end.
    session_version = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime)

    profile = db.relationship("ExpertProfile", back_populates="user", uselist=False, cascade="all, delete-orphan")
    api_tokens = db.relationship("ApiToken", back_populates="user", cascade="all, delete-orphan")

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

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    def __repr__(self):
        return f"<User {self.id} {self.role.value}>"


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 digest is stored, the token is shown once."""

    __tablename__ = "api_token"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(80), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)     # shown in lists to tell tokens apart
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)

    user = db.relationship("User", back_populates="api_tokens")

    @property
    def is_active(self):
        return self.revoked_at is None
