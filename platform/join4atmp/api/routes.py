"""JSON API, version 1. Authenticated by a session cookie or ``Authorization: Bearer <token>``."""

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from ..core import ratelimit, roles, taxonomy
from ..core.policy import access
from ..core.text import has_lone_surrogate
from ..core.views import get_or_404
from ..extensions import csrf, db
from ..matching.services import MatchQuery, find_experts
from ..profiles import services as profiles
from ..profiles.models import ExpertProfile
from ..questions import policy as question_policy
from ..questions import services as questions
from ..questions.models import Question

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer-token clients have no CSRF token; cookie clients are checked below

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@bp.before_request
def _check_csrf_for_cookie_sessions():
    if request.method in SAFE_METHODS:
        return
    if not current_user.is_authenticated:
        abort(401)
    if g.get("authenticated_by_token"):  # only a token that really authenticated: a bogus header with a cookie
        return  # is a cookie request, and must carry the CSRF token

    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except ValidationError:
        abort(400, "A cookie-authenticated request must send the X-CSRFToken header.")


def _int_arg(name, default, lowest, highest):
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(400, f"'{name}' must be a whole number.")
    if not lowest <= value <= highest:
        abort(400, f"'{name}' must be between {lowest} and {highest}.")
    return value


def _choice_arg(name, allowed):
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        abort(400, f"Unknown {name} '{value}'.")
    return value


@bp.get("/experts")
@access("public")
def experts():
    """Listed experts, filtered by role, country, topic, language and q; paginated."""
    filters = {
        "role": _choice_arg("role", roles.MEMBER_VALUES),
        "country": _choice_arg("country", set(taxonomy.COUNTRY_CODES) | {taxonomy.OTHER_COUNTRY}),
        "topic": _choice_arg("topic", taxonomy.TOPICS),
        "language": _choice_arg("language", set(taxonomy.LANGUAGE_CODES)),
        "q": (request.args.get("q") or "")[:200] or None,
    }
    config = current_app.config
    per_page = _int_arg("per_page", config["API_PAGE_SIZE"], 1, config["API_MAX_PAGE_SIZE"])
    page_number = _int_arg("page", 1, 1, 1_000_000)
    page = db.paginate(
        profiles.directory_query(**filters, full=True), page=page_number, per_page=per_page, error_out=False, count=True
    )
    return jsonify(
        items=profiles.public_profiles(page.items),
        page=page.page,
        per_page=page.per_page,
        total=page.total,
        pages=page.pages,
    )


@bp.get("/experts/<int:profile_id>")
@access("public", "profile.listed")
def expert(profile_id):
    profile = get_or_404(ExpertProfile, profile_id)
    if not profiles.is_listed(profile):
        abort(404)
    return jsonify(profiles.public_profile(profile))


@bp.get("/me")
@access("login")
def me():
    if not current_user.is_authenticated:
        abort(401)
    return jsonify(
        id=current_user.id,
        email=current_user.email,
        role=current_user.role.value,
        verified=current_user.is_verified,
        profile_id=current_user.profile.id,
    )


def _json_body() -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser recurses: bad input, not a server fault
        body = None
    if not isinstance(body, dict):
        abort(400, "Send a JSON object.")
    if has_lone_surrogate(body):
        abort(400, "The JSON holds a lone surrogate (\\ud800-\\udfff), which is not text.")
    return body


def _string_list(body, name, allowed=None, limit=20):
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > limit:
        abort(400, f"'{name}' must be a list of at most {limit} strings.")
    if allowed is not None and any(v not in allowed for v in value):
        abort(400, f"'{name}' holds an unknown value.")
    return value


@bp.post("/match")
@access("login")
def match():
    """Rank experts for a question text: the same code path as the ask page."""
    if not current_user.is_authenticated:
        abort(401)
    body = _json_body()
    text = body.get("text")
    if not isinstance(text, str) or not 3 <= len(text.strip()) <= 20000:
        abort(400, "'text' must be a string of 3 to 20000 characters.")
    k = body.get("k", 5)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 50:
        abort(400, "'k' must be a whole number from 1 to 50.")
    choices = {
        "role": roles.MEMBER_VALUES,
        "country": set(taxonomy.COUNTRY_CODES) | {taxonomy.OTHER_COUNTRY},
        "language": set(taxonomy.LANGUAGE_CODES),
    }
    filters = {}
    for name, allowed in choices.items():
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or value not in allowed):  # a list is unhashable
            abort(400, f"Unknown {name} '{value}'.")
        filters[name] = value
    for flag in ("verified_only", "balanced"):
        if not isinstance(body.get(flag, False), bool):
            abort(400, f"'{flag}' must be true or false.")
    query = MatchQuery(
        text=text.strip(),
        k=k,
        **filters,
        verified_only=body.get("verified_only", False),
        balanced=body.get("balanced", False),
        preferred_countries=_string_list(body, "preferred_countries", choices["country"]),
        preferred_languages=_string_list(body, "preferred_languages", choices["language"]),
        exclude_organisations=_string_list(body, "exclude_organisations"),
    )
    ratelimit.spend("match", current_user._get_current_object())
    db.session.commit()
    matches = find_experts(query, current_user._get_current_object())
    return jsonify(
        items=[
            {
                "expert": profiles.public_profile(m.profile),
                "score": round(m.score, 6),
                "strength": m.strength,
                "open_requests": m.open_requests,
                "max_open_requests": m.profile.max_open_requests,
                "evidence": m.evidence,
            }
            for m in matches
        ]
    )


# --- Questions ----------------------------------------------------------------------------


def _question_json(question, full=False):
    data = {
        "id": question.id,
        "title": question.title,
        "topics": question.topics,
        "visibility": question.visibility.value,
        "status": question.status.value,
        "created_at": question.created_at.isoformat() + "Z",
    }
    if full:
        data["body"] = question.body
        data["answers"] = [_answer_json(a) for a in questions.ordered_answers(question, current_user)]
    return data


def _answer_json(answer):
    author = answer.author
    return {
        "id": answer.id,
        "body": answer.body,
        "accepted": answer.is_accepted,
        "helpful": answer.helpful_count,
        "author": {
            "display_name": author.profile.display_name if author.profile else None,
            "role": author.role.value,
            "verified": author.is_verified,
        },
        "created_at": answer.created_at.isoformat() + "Z",
    }


def _readable_question(question_id, options=()):
    question = get_or_404(Question, question_id, options)
    if not question_policy.can_read(question, current_user):
        abort(404)
    return question


@bp.get("/questions")
@access("public")
def list_questions():
    """Public questions only, newest first; filters topic, answered (yes/no), answered_by, q."""
    config = current_app.config
    per_page = _int_arg("per_page", config["API_PAGE_SIZE"], 1, config["API_MAX_PAGE_SIZE"])
    page_number = _int_arg("page", 1, 1, 1_000_000)
    topic = _choice_arg("topic", taxonomy.TOPICS)
    answered = _choice_arg("answered", {"yes", "no"})
    answered_by = _choice_arg("answered_by", roles.MEMBER_VALUES)
    page = db.paginate(
        questions.browse_query(topic, answered, answered_by, (request.args.get("q") or "")[:200]),
        page=page_number,
        per_page=per_page,
        error_out=False,
    )
    return jsonify(
        items=[_question_json(q) for q in page.items],
        page=page.page,
        per_page=page.per_page,
        total=page.total,
        pages=page.pages,
    )


@bp.get("/questions/<int:question_id>")
@access("public", "question.read")
def get_question(question_id):
    return jsonify(_question_json(_readable_question(question_id, questions.page_loading()), full=True))


@bp.post("/questions")
@access("login")
def create_question():
    if not current_user.is_authenticated:
        abort(401)
    body = _json_body()
    for name in ("title", "body"):
        if not isinstance(body.get(name, ""), str):
            abort(400, f"'{name}' must be a string.")
    visibility = body.get("visibility", "public")
    if visibility not in ("public", "confidential"):
        abort(400, "'visibility' must be 'public' or 'confidential'.")
    topics = _string_list(body, "topics", taxonomy.TOPICS)
    ratelimit.spend("question", current_user._get_current_object())
    question = questions.create_question(
        current_user._get_current_object(), body.get("title", ""), body.get("body", ""), topics, visibility
    )
    return jsonify(_question_json(question, full=True)), 201


@bp.post("/questions/<int:question_id>/answers")
@access("login", "question.answer")
def create_answer(question_id):
    if not current_user.is_authenticated:
        abort(401)
    question = _readable_question(question_id)
    if not question_policy.can_answer(question, current_user):
        abort(403, "You may not answer this question.")
    body = _json_body()
    if not isinstance(body.get("body"), str):
        abort(400, "'body' must be a string.")
    ratelimit.spend("answer", current_user._get_current_object())
    answer = questions.post_answer(question, current_user._get_current_object(), body["body"])
    return jsonify(_answer_json(answer)), 201
