from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..core import roles
from ..core.forms import as_choices

ROLE_CHOICES = as_choices(roles.choices(roles.SIGN_UP))


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(max=120)], render_kw={"autocomplete": "name"}
    )
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(), Length(max=254)], render_kw={"autocomplete": "email"}
    )
    role = RadioField(_l("I am a"), choices=ROLE_CHOICES, validators=[DataRequired()])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 10 characters."),
        render_kw={"autocomplete": "new-password"},
    )
    password_again = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=1024)], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField(_l("Log in"))


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(), Length(max=254)], render_kw={"autocomplete": "email"}
    )
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=1024)], render_kw={"autocomplete": "new-password"}
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=1024)], render_kw={"autocomplete": "new-password"}
    )
    new_password_again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    end_tokens = BooleanField(_l("Also end my API tokens (scripts using them must get new ones)"))
    submit = SubmitField(_l("Change password"))


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l('What the token is for, e.g. "institute dashboard".'),
    )
    submit = SubmitField(_l("Create token"))


class NotificationsForm(FlaskForm):
    notification_mode = RadioField(
        _l("Email me about new answers and accepted answers"),
        choices=as_choices([("immediate", _l("As they happen")), ("digest", _l("In one daily digest"))]),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save preference"))


class LoginCodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("The 6-digit code from your authenticator app, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )
    submit = SubmitField(_l("Verify"))


class EnrolCodeForm(FlaskForm):
    code = StringField(
        _l("Code from your app"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-step login"))


class PasswordCheckForm(FlaskForm):
    """Asks for the password again before a change to the second factor."""

    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Confirm"))
