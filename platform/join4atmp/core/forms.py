"""Form helpers shared by areas."""
from wtforms import SelectChoice


def as_choices(pairs):
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]
