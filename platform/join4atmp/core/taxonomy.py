"""The one ATMP taxonomy, countries and languages of the platform, defined in one place.

Slugs are stored in the database; labels are translated on display. Country and language names
come from Babel's CLDR data in the viewer's language.
"""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

TOPIC_GROUPS = [
    (
        _l("Product classes"),
        [
            ("gene-therapy", _l("Gene therapy")),
            ("somatic-cell-therapy", _l("Somatic cell therapy")),
            ("tissue-engineering", _l("Tissue engineering")),
            ("combined-atmp", _l("Combined ATMP")),
            ("car-t", _l("CAR-T")),
        ],
    ),
    (
        _l("Regulatory pathways"),
        [
            ("cat-classification", _l("CAT classification")),
            ("scientific-advice", _l("Scientific advice and protocol assistance")),
            ("prime", _l("PRIME")),
            ("conditional-approval", _l("Conditional marketing authorisation")),
            ("orphan-designation", _l("Orphan designation")),
            ("paediatric-plan", _l("Paediatric investigation plan")),
            ("hospital-exemption", _l("Hospital exemption")),
            ("compassionate-use", _l("Compassionate use")),
            ("clinical-trials-regulation", _l("Clinical Trials Regulation and CTIS")),
            ("gmo-requirements", _l("GMO requirements")),
            ("atmp-medical-devices", _l("ATMPs combined with medical devices")),
        ],
    ),
    (
        _l("Quality and manufacturing"),
        [
            ("gmp-manufacturing", _l("GMP manufacturing")),
            ("quality-cmc", _l("Quality / CMC")),
            ("potency-assays", _l("Potency assays")),
            ("comparability", _l("Comparability after process changes")),
            ("starting-materials", _l("Starting and raw materials")),
            ("viral-vectors", _l("Viral vector manufacturing")),
            ("qp-release", _l("QP certification and release")),
            ("point-of-care-manufacturing", _l("Point-of-care manufacturing")),
            ("stability", _l("Stability")),
        ],
    ),
    (
        _l("Non-clinical"),
        [
            ("non-clinical", _l("Non-clinical development")),
            ("biodistribution", _l("Biodistribution and shedding")),
            ("tumourigenicity", _l("Tumourigenicity")),
        ],
    ),
    (
        _l("Clinical"),
        [
            ("clinical-trial-design", _l("Clinical trial design")),
            ("small-populations", _l("Trials in small populations")),
            ("long-term-follow-up", _l("Long-term follow-up")),
            ("safety-monitoring", _l("Safety monitoring (CRS, ICANS)")),
            ("pharmacovigilance", _l("Pharmacovigilance")),
        ],
    ),
    (
        _l("Access"),
        [
            ("hta-reimbursement", _l("HTA and reimbursement")),
            ("real-world-evidence", _l("Real-world evidence and registries")),
        ],
    ),
    (
        _l("Society"),
        [
            ("patient-involvement", _l("Patient involvement")),
            ("ethics", _l("Ethics")),
            ("ip-tech-transfer", _l("IP and technology transfer")),
            ("academic-funding", _l("Funding for academic developers")),
        ],
    ),
]

TOPICS = {slug: label for _, topics in TOPIC_GROUPS for slug, label in topics}

# EU-27, the EEA EFTA states, Switzerland and the United Kingdom; "other" covers the rest.
COUNTRY_CODES = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
    "IS",
    "LI",
    "NO",
    "CH",
    "GB",
]
OTHER_COUNTRY = "ZZ"

# The EU's official languages plus those of the EEA, Switzerland and neighbours.
LANGUAGE_CODES = [
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "fi",
    "fr",
    "ga",
    "hr",
    "hu",
    "it",
    "lt",
    "lv",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "sv",
    "is",
    "no",
    "lb",
    "ca",
    "eu",
    "gl",
    "tr",
    "uk",
    "ru",
    "ar",
]

ORGANISATION_TYPES = {
    "academic": _l("Academic group"),
    "hospital": _l("Hospital"),
    "sme": _l("SME"),
    "industry": _l("Industry"),
}

DEVELOPMENT_STAGES = {
    "preclinical": _l("Preclinical"),
    "phase_1": _l("Phase I"),
    "phase_2": _l("Phase II"),
    "phase_3": _l("Phase III"),
    "marketed": _l("Marketed"),
}

INTEREST_KINDS = {
    "employment": _l("Employment"),
    "consultancy": _l("Consultancy"),
    "research_funding": _l("Research funding"),
    "shares": _l("Shares or stock options"),
    "advisory_board": _l("Advisory board"),
    "other": _l("Other"),
}


def country_name(code: str | None) -> str:
    if not code:
        return ""
    if code == OTHER_COUNTRY:
        return str(_l("Other country"))
    return get_locale().territories.get(code, code)


def language_name(code: str) -> str:
    name = get_locale().languages.get(code, code)
    return name[:1].upper() + name[1:]


def country_choices():
    choices = sorted(((c, country_name(c)) for c in COUNTRY_CODES), key=lambda item: item[1])
    return choices + [(OTHER_COUNTRY, country_name(OTHER_COUNTRY))]


def language_choices():
    return sorted(((c, language_name(c)) for c in LANGUAGE_CODES), key=lambda item: item[1])


def topic_choices():
    return [(slug, str(label)) for slug, label in TOPICS.items()]


def grouped_topic_choices():
    """``(slug, label, group)`` for every topic, in the order of TOPIC_GROUPS: forms show one fieldset a group."""
    return [(slug, str(label), str(group)) for group, topics in TOPIC_GROUPS for slug, label in topics]
