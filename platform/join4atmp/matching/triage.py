"""Triage hints: when a question reads like a formal procedure, say which one and how it works.

The notes are written for this project; they point people to the formal route without replacing it.
"""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Procedure:
    key: str
    title: str
    note: str
    patterns: tuple


PROCEDURES = [
    Procedure(
        "itf",
        _l("EMA Innovation Task Force (ITF) briefing meeting"),
        _l(
            "For early, informal dialogue on an emerging therapy, technology or method before scientific advice, "
            "developers can ask for an ITF briefing meeting with EMA. It is free of charge and not binding; it suits "
            "questions about whether and how a novel product or platform fits the regulatory framework."
        ),
        (r"\binnovation task force\b", r"\bitf\b", r"\bbriefing meeting\b", r"\bearly (informal )?dialogue\b"),
    ),
    Procedure(
        "scientific-advice",
        _l("Scientific advice and protocol assistance"),
        _l(
            "Formal, product-specific answers on quality, non-clinical and clinical development come from scientific "
            "advice at EMA (protocol assistance for designated orphan medicines) or at a national competent authority. "
            "Prepare a briefing document with your proposed approach; the advice is written and can be cited later."
        ),
        (
            r"\bscientific advice\b",
            r"\bprotocol assistance\b",
            r"\bsawp\b",
            r"\bwhat will (the )?(ema|authority|agency) (expect|accept|require)",
            r"\b(expect|accept|require)\w* (by|from) the (competent )?authorit",
            r"\bcompetent authority expect",
        ),
    ),
    Procedure(
        "sme-office",
        _l("EMA SME Office"),
        _l(
            "Micro, small and medium-sized enterprises registered with EMA's SME Office get administrative and "
            "procedural help and large fee reductions, including for scientific advice and the CAT classification."
        ),
        (r"\bsme office\b", r"\bsme status\b", r"\bfee reduction", r"\bsmall and medium[- ]sized\b"),
    ),
    Procedure(
        "nca",
        _l("National competent authority"),
        _l(
            "Clinical trial authorisation, national scientific advice, GMO aspects and hospital exemption are handled "
            "nationally. Many authorities (for example PEI, ANSM, AEMPS, AIFA) offer innovation offices or "
            "pre-submission meetings; check the authority of the member state where you plan to act."
        ),
        (
            r"\bnational competent authorit",
            r"\bnca\b",
            r"\bpaul[- ]ehrlich",
            r"\bpei\b",
            r"\bansm\b",
            r"\baemps\b",
            r"\baifa\b",
            r"\bbfarm\b",
            r"\bmhra\b",
            r"\bfamhp\b",
            r"\bclinical trial (application|authori[sz]ation)\b",
            r"\bctis\b",
        ),
    ),
    Procedure(
        "hospital-exemption",
        _l("Hospital exemption"),
        _l(
            "An ATMP prepared on a non-routine basis in a hospital, under the exclusive responsibility of a physician, "
            "for an individual patient, can be authorised nationally under the hospital exemption (Article 28 of "
            "Regulation (EC) No 1394/2007). Conditions, quality requirements and reporting differ between member "
            "states."
        ),
        (r"\bhospital exemption\b", r"\barticle 28\b", r"\bnon[- ]routine\b"),
    ),
]


def triage_hints(text: str) -> list[Procedure]:
    lowered = (text or "").lower()
    return [p for p in PROCEDURES if any(re.search(pattern, lowered) for pattern in p.patterns)]
