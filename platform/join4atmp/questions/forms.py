from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(min=2, max=20000)],
                         description=_l("Markdown is allowed: **bold**, *italic*, lists, links."))
    submit = SubmitField(_l("Post answer"))
