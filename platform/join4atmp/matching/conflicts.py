"""Conflict-of-interest rules: who must never be proposed to answer an asker's question."""

from flask_babel import lazy_gettext as _l

from ..profiles.services import normalise_organisation

# Addresses at these providers say nothing about a person's organisation.
PUBLIC_MAIL_DOMAINS = {
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.fr",
    "yahoo.de",
    "yahoo.es",
    "yahoo.it",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "gmx.at",
    "gmx.ch",
    "web.de",
    "t-online.de",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "libero.it",
    "proton.me",
    "protonmail.com",
    "mail.com",
    "wp.pl",
    "o2.pl",
    "seznam.cz",
    "posteo.de",
    "tutanota.com",
}
# Words that many organisations share; a match on these alone is no conflict.
GENERIC_WORDS = {
    "university",
    "universite",
    "universitat",
    "universita",
    "universidad",
    "universidade",
    "uniwersytet",
    "hospital",
    "hopital",
    "klinikum",
    "clinic",
    "clinique",
    "ospedale",
    "hospitalario",
    "medical",
    "medicine",
    "centre",
    "center",
    "centrum",
    "institute",
    "institut",
    "instituto",
    "istituto",
    "of",
    "de",
    "du",
    "des",
    "der",
    "die",
    "und",
    "and",
    "for",
    "la",
    "le",
    "di",
    "del",
    "y",
    "e",
    "et",
    "national",
    "european",
    "research",
    "therapeutics",
    "therapies",
    "therapy",
    "bio",
    "biotech",
    "pharma",
    "pharmaceuticals",
    "foundation",
    "fondazione",
    "fundacion",
    "association",
    "agency",
    "health",
    "sciences",
    "science",
    "group",
    "network",
}


def email_domain(email: str) -> str | None:
    domain = (email or "").rpartition("@")[2].strip().lower()
    return None if not domain or domain in PUBLIC_MAIL_DOMAINS else domain


def same_domain(a: str | None, b: str | None) -> bool:
    return bool(a and b) and (a == b or a.endswith("." + b) or b.endswith("." + a))


def organisations_overlap(a: str | None, b: str | None) -> bool:
    """Same organisation, ignoring case, accents, legal forms, and a shorter form of the name
    ("Nordvector" and "Nordvector Therapeutics AB"), unless the shared words are generic."""
    left, right = normalise_organisation(a or ""), normalise_organisation(b or "")
    if not left or not right:
        return False
    if left == right:
        return True
    shorter, longer = sorted((left, right), key=len)
    if f" {shorter} " not in f" {longer} ":  # whole words: both are words of [a-z0-9] joined by single spaces
        return False
    return any(word not in GENERIC_WORDS and len(word) > 2 for word in shorter.split())


def expert_organisations(profile) -> list[str]:
    return [name for name in (profile.organisation, profile.hospital, profile.authority) if name]


def conflict_reason(profile, asker=None, excluded_organisations=()):
    """Why this expert may not be proposed to this asker, or None."""
    if asker is not None:
        if profile.user_id == asker.id:
            return _l("the asker")
        asker_organisation = asker.profile.organisation if asker.profile else ""
        if any(organisations_overlap(name, asker_organisation) for name in expert_organisations(profile)):
            return _l("same organisation as the asker")
        if same_domain(email_domain(asker.email), email_domain(profile.user.email)):
            return _l("same email domain as the asker")
        # The asker's own organisation may be matched against private interests too, but the reason
        # says nothing of which interest, or whether it was public.
        if any(organisations_overlap(i.organisation, asker_organisation) for i in profile.interests):
            return _l("a declared conflict of interest")
    # Free text the asker types is matched against public data only: it could otherwise probe, one name
    # at a time, which organisations an expert declared privately.
    for excluded in excluded_organisations:
        if any(organisations_overlap(name, excluded) for name in expert_organisations(profile)) or any(
            organisations_overlap(i.organisation, excluded) for i in profile.interests if i.is_public
        ):
            return _l("linked to an excluded organisation")
    return None
