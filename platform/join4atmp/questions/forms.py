from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core import roles, taxonomy
from ..core.forms import CheckboxList, as_choices


class AnswerForm(FlaskForm):
    body = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(), Length(min=2, max=20000)],
        description=_l("Markdown is allowed: **bold**, *italic*, lists, links."),
    )
    submit = SubmitField(_l("Post answer"))


class QuestionForm(FlaskForm):
    """Editing a question, or writing the public summary of a confidential one."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=10, max=200)])
    body = TextAreaField(
        _l("Details"), validators=[Optional(), Length(max=20000)], description=_l("Markdown is allowed.")
    )
    topics = CheckboxList(_l("Topics"))  # no Optional(): it would let a first blank value hide bad choices
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topics.choices = as_choices(taxonomy.grouped_topic_choices())  # one fieldset a group


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=2000)])
    submit = SubmitField(_l("Send"))


class BrowseForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    mode = SelectField(
        _l("Search by"),
        validators=[Optional()],
        choices=as_choices([("words", _l("Words")), ("meaning", _l("Meaning (semantic)"))]),
    )
    topic = SelectField(_l("Topic"), validators=[Optional()])
    answered = SelectField(
        _l("Answered"),
        validators=[Optional()],
        choices=as_choices([("", _l("All questions")), ("yes", _l("Answered")), ("no", _l("Not answered yet"))]),
    )
    answered_by = SelectField(
        _l("Answered by"),
        validators=[Optional()],
        choices=as_choices(roles.choices(roles.AS_AUTHOR, anything=_l("Anyone"))),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic.choices = as_choices([("", _l("All topics"))] + taxonomy.topic_choices())
