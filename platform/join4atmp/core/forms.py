"""Form pieces shared by areas: the CSRF-only form behind buttons, a list of checkboxes, choices."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


def as_choices(pairs):
    """(value, label) pairs, or (value, label, group) triples, as WTForms choices (a group: ``optgroup``)."""
    return [SelectChoice(item[0], item[1], optgroup=item[2] if len(item) > 2 else None) for item in pairs]


class PostForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
