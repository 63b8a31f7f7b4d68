from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..core import roles, taxonomy
from ..core.forms import CheckboxList, as_choices

# Choice fields carry no Optional(): it would wave through a blank-looking value such as " " that is no choice
# (Optional clears the "not a valid choice" error), which then reached the matching query. An empty list or the
# "" choice is allowed by the fields themselves.
ROLE_FILTER = roles.choices(roles.PLURALS, anything=_l("Any role"))


def _summary_field(label, description):
    """What invited experts read of a confidential question before accepting; required only then (the form's
    ``validate_invitee_summary`` knows whether the question is confidential)."""
    return TextAreaField(label, validators=[Length(max=500)], description=description)


class AskForm(FlaskForm):
    title = StringField(_l("Your question in one line"), validators=[DataRequired(), Length(min=10, max=200)])
    body = TextAreaField(
        _l("Details"),
        validators=[Optional(), Length(max=20000)],
        description=_l(
            "Context that helps an expert: product type, development stage, what you "
            "have already tried. Markdown is allowed."
        ),
    )
    topics = CheckboxList(_l("Topics"))
    visibility = RadioField(
        _l("Who may read it"),
        default="public",
        choices=as_choices(
            [
                ("public", _l("Public: anyone can read the question and its answers")),
                ("confidential", _l("Confidential: only me, the experts who accept it, and moderators")),
            ]
        ),
        validators=[DataRequired()],
    )
    invitee_summary = _summary_field(
        _l("Summary for the invited experts (confidential questions)"),
        _l(
            "Shown to the experts you invite before they accept: what the question is about, without trade "
            "secrets. Required for a confidential question; up to 500 characters."
        ),
    )
    preferred_countries = CheckboxList(_l("Preferred countries of the experts"))
    preferred_languages = CheckboxList(_l("Preferred languages"))
    exclude_organisations = TextAreaField(
        _l("Organisations to exclude"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "One per line, for example competitors. Their staff and "
            "anyone who declared an interest in them are not proposed."
        ),
    )
    role = SelectField(_l("Only this role"), default="", choices=as_choices(ROLE_FILTER))
    country = SelectField(_l("Only this country"), default="")
    language = SelectField(_l("Only experts who speak"), default="")
    verified_only = BooleanField(_l("Only verified experts"))
    balanced = BooleanField(
        _l("Balanced panel: include a regulator, a clinician and a patient organisation when available")
    )
    submit = SubmitField(_l("Find experts"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topics.choices = as_choices(taxonomy.grouped_topic_choices())  # one fieldset a group
        self.preferred_countries.choices = as_choices(taxonomy.country_choices())
        self.preferred_languages.choices = as_choices(taxonomy.language_choices())
        self.country.choices = as_choices([("", _l("Any country"))] + taxonomy.country_choices())
        self.language.choices = as_choices([("", _l("Any language"))] + taxonomy.language_choices())

    def validate_invitee_summary(self, field):
        require_summary_when_confidential(field, self.visibility.data == "confidential")

    def preferences(self) -> dict:
        return {
            "preferred_countries": self.preferred_countries.data or [],
            "preferred_languages": self.preferred_languages.data or [],
            "exclude_organisations": [
                line.strip() for line in (self.exclude_organisations.data or "").splitlines() if line.strip()
            ][:20],
            "role": self.role.data or None,
            "country": self.country.data or None,
            "language": self.language.data or None,
            "verified_only": bool(self.verified_only.data),
            "balanced": bool(self.balanced.data),
        }


def require_summary_when_confidential(field, confidential):
    if confidential and not (field.data or "").strip():
        raise ValidationError(
            _l("Write a short summary for the invited experts: they read it before accepting a confidential question.")
        )


class SendRequestsForm(FlaskForm):
    experts = CheckboxList(
        _l("Send the question to"), coerce=int, validators=[DataRequired(message=_l("Choose at least one expert."))]
    )
    invitee_summary = _summary_field(
        _l("Summary for the invited experts"),
        _l(
            "Your question is confidential: the experts read only this before they accept. "
            "Say what it is about, without trade secrets; up to 500 characters."
        ),
    )
    submit = SubmitField(_l("Send requests"))

    def __init__(self, *args, confidential=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.confidential = confidential

    def validate_invitee_summary(self, field):
        require_summary_when_confidential(field, self.confidential)


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional, shown to the asker)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Decline"))


class AcceptForm(FlaskForm):
    submit = SubmitField(_l("Accept"))


class SearchAgainForm(FlaskForm):
    submit = SubmitField(_l("Search again"))
