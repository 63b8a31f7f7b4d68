from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from ..core import roles, taxonomy
from ..core.forms import CheckboxList, as_choices


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Name shown to others"), validators=[DataRequired(), Length(max=120)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    languages = CheckboxList(_l("Languages you work in"), validators=[Optional()])
    topics = CheckboxList(_l("Topics"), validators=[Optional()])
    expertise = TextAreaField(
        _l("Expertise statement"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("What you know and have done, in a few sentences. This is what matching reads."),
    )
    authority = StringField(
        _l("Authority"),
        validators=[Optional(), Length(max=200)],
        description=_l("EMA or a national competent authority."),
    )
    specialty = StringField(_l("Specialty"), validators=[Optional(), Length(max=120)])
    hospital = StringField(_l("Hospital"), validators=[Optional(), Length(max=200)])
    organisation_type = SelectField(
        _l("Organisation type"),
        validators=[Optional()],
        choices=as_choices([("", "—")] + list(taxonomy.ORGANISATION_TYPES.items())),
    )
    development_stage = SelectField(
        _l("Development stage"),
        validators=[Optional()],
        choices=as_choices([("", "—")] + list(taxonomy.DEVELOPMENT_STAGES.items())),
    )
    disease_areas = StringField(_l("Disease areas"), validators=[Optional(), Length(max=500)])
    members_represented = IntegerField(_l("Members represented"), validators=[Optional(), NumberRange(0, 100_000_000)])
    accepting_requests = BooleanField(_l("I accept expert requests"))
    max_open_requests = IntegerField(
        _l("Maximum open requests at a time"), default=3, validators=[DataRequired(), NumberRange(1, 50)]
    )
    is_listed = BooleanField(_l("Show my profile in the public directory"))
    contact_email = StringField(
        _l("Public contact email"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l("For example your organisation's general address. It is shown only if you tick the box below."),
    )
    show_contact = BooleanField(
        _l("I consent to showing this contact email on my public profile"),
        description=_l("You can withdraw this consent at any time: untick the box, or use the “Your data” page."),
    )
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = as_choices([("", "—")] + taxonomy.country_choices())
        self.languages.choices = as_choices(taxonomy.language_choices())
        self.topics.choices = as_choices(taxonomy.grouped_topic_choices())  # one fieldset a group


class PublicationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    abstract = TextAreaField(_l("Abstract or summary"), validators=[Optional(), Length(max=5000)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(1950, 2100)])
    doi = StringField(_l("DOI"), validators=[Optional(), Length(max=200)], description=_l("For example 10.1000/xyz123"))
    url = URLField(_l("Web address"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Add publication"))

    def validate_doi(self, field):
        value = (field.data or "").strip().removeprefix("https://doi.org/").removeprefix("doi:")
        if value and not value.startswith("10."):
            raise ValidationError(_l('A DOI starts with "10.".'))
        field.data = value

    def validate_url(self, field):
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError(_l("Give a web address starting with https://"))


class InterestForm(FlaskForm):
    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind of interest"), choices=as_choices(taxonomy.INTEREST_KINDS.items()), validators=[DataRequired()]
    )
    start_year = IntegerField(_l("From (year)"), validators=[Optional(), NumberRange(1950, 2100)])
    end_year = IntegerField(_l("Until (year, empty if ongoing)"), validators=[Optional(), NumberRange(1950, 2100)])
    is_public = BooleanField(_l("Show this interest on my public profile"), default=True)
    submit = SubmitField(_l("Declare interest"))

    def validate_end_year(self, field):
        if field.data and self.start_year.data and field.data < self.start_year.data:
            raise ValidationError(_l("The end year is before the start year."))


class DirectoryFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        validators=[Optional()],
        choices=as_choices(roles.choices(roles.PLURALS, anything=_l("All roles"))),
    )
    country = SelectField(_l("Country"), validators=[Optional()])
    topic = SelectField(_l("Topic"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = as_choices([("", _l("All countries"))] + taxonomy.country_choices())
        self.topic.choices = as_choices([("", _l("All topics"))] + taxonomy.topic_choices())
        self.language.choices = as_choices([("", _l("All languages"))] + taxonomy.language_choices())
