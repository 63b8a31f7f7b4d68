"""The members' roles, and every way the pages name them: written once, here.

Admins are made on the command line (``flask users create``); the other four are the roles a person
registers as, and the roles the directory, matching preferences and Q&A filters offer.
"""

import enum

from flask_babel import lazy_gettext as _l


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


MEMBER_ROLES = Role.registrable()
MEMBER_VALUES = frozenset(role.value for role in MEMBER_ROLES)

LABELS = {
    Role.DEVELOPER: _l("Developer"),
    Role.REGULATOR: _l("Regulator"),
    Role.CLINICIAN: _l("Clinician"),
    Role.PATIENT_ORG: _l("Patient organisation"),
    Role.ADMIN: _l("Administrator"),
}
PLURALS = {
    Role.DEVELOPER: _l("Developers"),
    Role.REGULATOR: _l("Regulators"),
    Role.CLINICIAN: _l("Clinicians"),
    Role.PATIENT_ORG: _l("Patient organisations"),
}
# As the end of "Answered by ...".
AS_AUTHOR = {
    Role.DEVELOPER: _l("a developer"),
    Role.REGULATOR: _l("a regulator"),
    Role.CLINICIAN: _l("a clinician"),
    Role.PATIENT_ORG: _l("a patient organisation"),
}
# At sign-up, where the person picks the role that describes them.
SIGN_UP = {
    Role.DEVELOPER: _l("Developer (academic group, hospital, SME or industry)"),
    Role.REGULATOR: _l("Regulator (EMA or a national competent authority)"),
    Role.CLINICIAN: _l("Clinician"),
    Role.PATIENT_ORG: _l("Patient organisation"),
}


def label(role) -> str:
    """The role's name for a badge or a list ("Regulator"); an unknown value is shown as it is."""
    try:
        return LABELS[Role(getattr(role, "value", role))]
    except ValueError:
        return role


def choices(names: dict, anything=None) -> list[tuple[str, str]]:
    """(value, text) for a select of the member roles in ``names``' words, after an optional "any" choice."""
    pairs = [("", anything)] if anything is not None else []
    return pairs + [(role.value, names[role]) for role in MEMBER_ROLES]
