"""Question -> ranked experts: semantic ranking, then the platform's rules (listing, availability,
workload, conflicts of interest, filters, preferences, balanced panel), then the evidence that matched.

``find_experts`` is the one code path behind the ask page, the JSON API and re-routing.
"""

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload
from werkzeug.local import LocalProxy

from ..accounts.models import User
from ..core.roles import Role
from ..extensions import db
from ..profiles.models import ExpertProfile
from ..profiles.services import listed_condition
from .conflicts import conflict_reason
from .explain import explain_matches
from .models import MatchRequest, RequestStatus
from .spaces import PRIMARY, Part, calibration, live_index, offsets, query_parts

PANEL_ROLES = (Role.REGULATOR, Role.CLINICIAN, Role.PATIENT_ORG)


@dataclass
class MatchQuery:
    text: str
    k: int = 5
    role: str | None = None
    country: str | None = None
    language: str | None = None
    verified_only: bool = False
    preferred_countries: list = field(default_factory=list)
    preferred_languages: list = field(default_factory=list)
    exclude_organisations: list = field(default_factory=list)
    balanced: bool = False
    skip_profile_ids: set = field(default_factory=set)  # e.g. experts already asked


@dataclass
class Match:
    profile: ExpertProfile
    score: float
    open_requests: int
    evidence: list = field(default_factory=list)

    @property
    def load_label(self):
        return f"{self.open_requests}/{self.profile.max_open_requests}"

    @property
    def strength(self) -> str:
        """ "strong", "good" or "partial": the score in words (thresholds: MATCHING_STRENGTH)."""
        strong, good = current_app.config["MATCHING_STRENGTH"]
        return "strong" if self.score >= strong else "good" if self.score >= good else "partial"

    @property
    def strength_label(self) -> str:
        return str(STRENGTH_LABELS[self.strength])


STRENGTH_LABELS = {"strong": _l("Strong match"), "good": _l("Good match"), "partial": _l("Partial match")}


def rank_candidates(parts, depth=None):
    """Experts by aggregated evidence score, on the primary space's scale: [(profile id, score)], best first
    (all when depth is None). ``parts``: the question's ``query_parts``, or its vector in the primary space."""
    import numpy as np  # with the index code, loaded by the first match, not by every command's start

    from ..search.index import rank_together

    if isinstance(parts, np.ndarray):
        parts = [Part(PRIMARY, parts)]
    searched = [(live_index(p.space).current(), p.vector, calibration(p.space), offsets(p.space)) for p in parts]
    return rank_together(searched, depth, current_app.config["MATCHING_AGGREGATION"])


def find_experts(query: MatchQuery, asker: User | None = None, explain: bool = True) -> list[Match]:
    parts = query_parts(query.text)
    chosen = choose(search(parts, query, asker), query)
    if explain:
        explain_matches(chosen, parts)
    return chosen


def search(parts, query: MatchQuery, asker: User | None = None) -> list[Match]:
    """The eligible matches in their final order, searching deeper while the rules leave too few."""
    index_size = max(len(live_index(part.space).current()) for part in parts)
    depth = current_app.config["MATCHING_SEARCH_DEPTH"]
    while True:
        ranking = rank_candidates(parts, depth)
        eligible = best_eligible(ranking, query, asker)
        if enough(eligible, query) or depth >= index_size:
            return eligible
        depth *= 4  # many candidates were ruled out: look deeper


def enough(eligible, query) -> bool:
    return len(eligible) >= query.k and (not query.balanced or _panel_complete(eligible, query.k))


def choose(eligible, query: MatchQuery) -> list[Match]:
    """The experts proposed: the best ``k``, or a balanced panel."""
    return _balanced(eligible, query.k) if query.balanced else eligible[: query.k]


def open_request_counts(profile_ids) -> dict:
    rows = db.session.execute(
        select(MatchRequest.profile_id, func.count())
        .where(MatchRequest.profile_id.in_(profile_ids), MatchRequest.status.in_(RequestStatus.open()))
        .group_by(MatchRequest.profile_id)
    ).all()
    return dict(rows)


def best_eligible(ranking, query, asker, window: int = 100) -> list[Match]:
    """What ``apply_rules`` gives for choosing the best ``query.k``, reading only as far down the ranking (best
    first) as a candidate could still be among them: windows of candidates, growing, until a later one's
    score, lifted by every preference the query has, falls below the near-equal band of the k-th eligible.
    The result is then the first part of ``apply_rules``' whole result. A balanced panel reads everything."""
    if query.balanced or len(ranking) <= window:
        return apply_rules(ranking, query, asker)
    lift = (1 + current_app.config["MATCHING_PREFERENCE_BOOST"]) ** (
        bool(query.preferred_countries) + bool(query.preferred_languages)
    )
    near = current_app.config["MATCHING_NEAR_EQUAL"]
    found, start = [], 0
    while start < len(ranking):
        found += _admitted(ranking[start : start + window], query, asker)
        start, window = start + window, window * 4
        if start < len(ranking) and len(found) >= query.k:
            kth = sorted((m.score for m in found), reverse=True)[query.k - 1]
            following = ranking[start][1]
            if max(following, following * lift) < kth * (1 - near):
                break
    return _order(found)


def apply_rules(ranking, query, asker) -> list[Match]:
    """Apply every rule to the ranked candidates; the order of the result is the final order."""
    return _order(_admitted(ranking, query, asker))


def _admitted(ranking, query, asker) -> list[Match]:
    """The candidates every rule leaves, as matches (in no particular order)."""
    scores = dict(ranking)
    if isinstance(asker, LocalProxy):  # current_user: resolved once, not at each candidate's conflict check
        asker = asker._get_current_object()
    query_filter = (
        select(ExpertProfile)
        .join(User)
        .where(ExpertProfile.id.in_(scores), listed_condition(), ExpertProfile.accepting_requests.is_(True))
    )
    if query.role:
        if query.role not in {role.value for role in Role}:  # e.g. a preference stored before forms checked it
            return []
        query_filter = query_filter.where(User.role == Role(query.role))
    if query.country:
        query_filter = query_filter.where(ExpertProfile.country == query.country)
    if query.language:
        query_filter = query_filter.where(ExpertProfile.language_links.any(code=query.language))
    if query.verified_only:
        query_filter = query_filter.where(User.verified_at.is_not(None))
    profiles = db.session.scalars(
        query_filter.options(
            contains_eager(ExpertProfile.user),  # read with the join: not one query per candidate
            selectinload(ExpertProfile.interests),
            selectinload(ExpertProfile.language_links),
        )
    ).all()
    loads = open_request_counts([p.id for p in profiles])
    matches = []
    for profile in profiles:
        load = loads.get(profile.id, 0)
        if profile.id in query.skip_profile_ids or load >= profile.max_open_requests:
            continue
        if conflict_reason(profile, asker, query.exclude_organisations):
            continue
        matches.append(Match(profile, _with_preferences(scores[profile.id], profile, query), load))
    return matches


def _with_preferences(score, profile, query):
    """Preferred countries and languages lift a score a little; they never exclude anyone."""
    boost = current_app.config["MATCHING_PREFERENCE_BOOST"]
    if query.preferred_countries and profile.country in query.preferred_countries:
        score *= 1 + boost
    if query.preferred_languages and set(profile.languages) & set(query.preferred_languages):
        score *= 1 + boost
    return score


def _order(matches):
    """Best score first; among near-equal scores, the less loaded expert first."""
    matches.sort(key=lambda m: (-m.score, m.profile.id))
    near = current_app.config["MATCHING_NEAR_EQUAL"]
    ordered, group = [], []
    for match in matches:
        if group and match.score < group[0].score * (1 - near):
            ordered.extend(sorted(group, key=lambda m: (m.open_requests / m.profile.max_open_requests, -m.score)))
            group = []
        group.append(match)
    ordered.extend(sorted(group, key=lambda m: (m.open_requests / m.profile.max_open_requests, -m.score)))
    return ordered


def _panel_complete(eligible, k):
    return {m.profile.user.role for m in eligible} >= set(PANEL_ROLES) or len(eligible) >= 10 * k


def _balanced(eligible, k):
    """At least one regulator, one clinician and one patient organisation when available, then the best."""
    panel = []
    for role in PANEL_ROLES:
        best = next((m for m in eligible if m.profile.user.role == role), None)
        if best is not None:
            panel.append(best)
    for match in eligible:
        if len(panel) >= k:
            break
        if match not in panel:
            panel.append(match)
    return sorted(panel, key=eligible.index)
