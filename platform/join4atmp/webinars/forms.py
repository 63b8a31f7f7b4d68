from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from ..core import taxonomy
from ..core.forms import CheckboxList, as_choices
from .registrations import release_rule, seats_rule
from .speakers import listed_choices, listed_ids
from .times import NonexistentTime, is_valid_zone, local_input_value, to_utc, zone_choices

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class WebinarForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=200)])
    abstract = TextAreaField(
        _l("What it is about"),
        validators=[Optional(), Length(max=20000)],
        description=_l("Markdown is allowed: **bold**, *italic*, lists, links."),
    )
    audience = StringField(
        _l("Who it is for"),
        validators=[Optional(), Length(max=300)],
        description=_l("For example: patient organisations, academic developers."),
    )
    speakers = TextAreaField(
        _l("Speakers"),
        validators=[Optional(), Length(max=5000)],
        description=_l(
            "One per line: name, role, organisation. For speakers without a "
            "profile here; those with one go in the next field."
        ),
    )
    # Any value goes on to the service, which refuses one that is no listed profile, naming it.
    speaker_profiles = CheckboxList(
        _l("Speakers from the expert directory"),
        validate_choice=False,
        description=_l("Tick those who speak; the webinar page links to each profile."),
    )
    language = SelectField(_l("Language"), validators=[DataRequired()], default="en")
    topics = CheckboxList(_l("Topics"))  # no Optional(): it would let a first blank value hide bad choices
    timezone = SelectField(
        _l("Time zone"),
        validators=[DataRequired()],
        default="Europe/Brussels",
        description=_l("The times below are in this zone; participants see them in theirs."),
    )
    starts_local = DateTimeLocalField(
        _l("Starts"),
        format=DATETIME_FORMATS,
        validators=[InputRequired()],
        description=_l("Date and time in the time zone above."),
    )
    duration_minutes = IntegerField(
        _l("Duration in minutes"), default=60, validators=[InputRequired(), NumberRange(5, 24 * 60)]
    )
    deadline_local = DateTimeLocalField(
        _l("Registration closes"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("Leave empty to accept registrations until the start."),
    )
    capacity = IntegerField(
        _l("Places"),
        validators=[InputRequired(), NumberRange(1, 100_000)],
        description=_l("When they are taken, people join a waiting list."),
    )
    join_url = URLField(
        _l("Join link"),
        validators=[Optional(), Length(max=500)],
        description=_l("Shown and sent only to confirmed participants."),
    )
    recording_url = URLField(
        _l("Recording"),
        validators=[Optional(), Length(max=500)],
        description=_l("After the webinar: participants are told when you add it."),
    )
    materials = TextAreaField(
        _l("Materials"), validators=[Optional(), Length(max=20000)], description=_l("Slides and links, in Markdown.")
    )
    submit = SubmitField(_l("Save webinar"))

    def __init__(self, *args, speakers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = as_choices(taxonomy.language_choices())
        self.topics.choices = as_choices(taxonomy.grouped_topic_choices())
        first = self.speaker_profiles.data if self.is_submitted() else [p.id for p in speakers]
        self.speaker_profiles.choices = as_choices(listed_choices(first or []))
        listed = listed_ids(speakers)
        self.unlisted_speakers = [p for p in speakers if p.id not in listed]  # saving drops their links
        self.timezone.choices = as_choices(zone_choices(self.timezone.data))
        self._utc = {}

    @classmethod
    def for_webinar(cls, webinar, **kwargs):
        form = cls(obj=webinar, speakers=webinar.speaker_experts, **kwargs)
        if not form.is_submitted():
            form.starts_local.data = local_input_value(webinar.starts_at, webinar.timezone)
            form.deadline_local.data = local_input_value(webinar.registration_deadline, webinar.timezone)
            form.topics.data = webinar.topics
            form.speaker_profiles.data = [str(profile.id) for profile in webinar.speaker_experts]
        return form

    def _convert(self, field):
        try:
            return to_utc(field.data, self.timezone.data) if field.data else None
        except NonexistentTime:
            field.errors = list(field.errors) + [
                str(_l("This time does not exist in that zone (the clocks go forward). Choose another."))
            ]
            return False

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        starts, deadline = self._convert(self.starts_local), self._convert(self.deadline_local)
        if starts is False or deadline is False:
            return False
        self._utc = {"starts_at": starts, "registration_deadline": deadline}
        return True

    def values(self) -> dict:
        """What the services take: times converted to naive UTC."""
        values = {
            name: getattr(self, name).data
            for name in (
                "title",
                "abstract",
                "audience",
                "speakers",
                "language",
                "timezone",
                "duration_minutes",
                "capacity",
                "join_url",
                "recording_url",
                "materials",
            )
        }
        values["topics"] = self.topics.data or []
        values["speaker_profiles"] = list(self.speaker_profiles.data or [])
        values.update(self._utc)
        return values


class RegisterForm(FlaskForm):
    seats = IntegerField(_l("Places"), default=1)  # the limit depends on who registers: see __init__
    needs = TextAreaField(
        _l("Anything the organisers should know (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "For example accessibility or interpretation needs. Only the organisers "
            "see this, and it is deleted after the webinar."
        ),
    )
    submit = SubmitField(_l("Register"))

    def __init__(self, *args, max_seats=1, **kwargs):
        """``max_seats``: ``registrations.max_seats(user)``, the same limit the service enforces."""
        super().__init__(*args, **kwargs)
        _limit(self.seats, max_seats, seats_rule(max_seats))
        if max_seats > 1:
            self.seats.description = _l(
                "From 1 to %(n)d: as an organisation you may book places for your members.", n=max_seats
            )


class CancelRegistrationForm(FlaskForm):
    """Give back all of one's places (cancel) or, with several, some of them."""

    places = IntegerField(_l("Places to give back"))

    def __init__(self, *args, held=1, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.places, held, release_rule(held))
        self.places.description = _l(
            "Those you keep stay booked; giving back all %(n)d cancels the registration.", n=held
        )
        if self.places.data is None and not self.is_submitted():
            self.places.data = held


def _limit(field, most, message):
    """Accept 1..``most`` (or nothing: the default), and say so in the input's min and max."""
    field.validators = [_said_once, Optional(), NumberRange(1, most, message=message)]
    field.render_kw = {**(field.render_kw or {}), "min": 1, "max": most}


def _said_once(form, field):
    """What is not a whole number is told so, not also that it is out of range."""
    if field.process_errors:
        raise StopValidation()


class QuestionForm(FlaskForm):
    text = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(), Length(min=10, max=1000)],
        description=_l("Others see your question but not your name. Up to 1,000 characters."),
    )
    submit = SubmitField(_l("Send question"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Answer"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l("Markdown is allowed. Answered questions stay on the webinar page."),
    )
    submit = SubmitField(_l("Publish answer"))


class CancelWebinarForm(FlaskForm):
    message = TextAreaField(_l("Message to the participants (optional)"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(
        _l("Yes, cancel this webinar and tell everyone registered"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Cancel the webinar"))


class AttendanceForm(FlaskForm):
    attended = CheckboxList(_l("Attended"), coerce=int)  # no Optional(): it would hide uncoercible values
    submit = SubmitField(_l("Save attendance"))


class TimezoneForm(FlaskForm):
    tz = SelectField(_l("Show times in"), validators=[DataRequired()])
    submit = SubmitField(_l("Show"))

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz.validate_choice = False  # any valid zone, e.g. the browser's
        self.tz.choices = as_choices(zone_choices(self.tz.data or current))
        if not self.is_submitted() and current:
            self.tz.data = current

    def validate_tz(self, field):
        if not is_valid_zone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))


class WebinarFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter form

    # No Optional(): " " would pass it as no choice at all; "" (all) is one of the choices.
    language = SelectField(_l("Language"), default="")
    topic = SelectField(_l("Topic"), default="")
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = as_choices([("", _l("All languages"))] + taxonomy.language_choices())
        self.topic.choices = as_choices([("", _l("All topics"))] + taxonomy.topic_choices())

    def filters(self) -> dict:
        """The chosen filters (empty ones left out), for the services and for links that keep them."""
        return {name: getattr(self, name).data for name in ("language", "topic") if getattr(self, name).data}


class MessageForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(min=3, max=150)])
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(min=10, max=10000)],
        description=_l("Plain text. Each registrant gets their own email, with a link to the webinar page."),
    )
    include_waitlisted = BooleanField(_l("Also send it to the people on the waiting list"))
    submit = SubmitField(_l("Send to registrants"))
