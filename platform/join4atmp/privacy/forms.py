from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length


class ExportForm(FlaskForm):
    submit = SubmitField(_l("Download my data (JSON)"))


class ErasureForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[InputRequired(), Length(max=1000)])
    remove_contributions = BooleanField(
        _l("Also remove my public answers and questions"),
        description=_l(
            "Without this, your public answers and questions stay, shown as written by "
            "“Former member”. A question that others have answered keeps their answers."
        ),
    )
    confirm = BooleanField(
        _l("I understand that my account and data will be erased for good"),
        validators=[DataRequired(_l("Tick this box to confirm."))],
    )
    submit = SubmitField(_l("Erase my account"))
