"""JSON API, version 1. Authenticated by a session cookie or ``Authorization: Bearer <token>``."""

import functools

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from ..core import pagecache, ratelimit
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
from .spec import PUBLIC, tree, validate

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


@bp.before_request
def _parse_json_once():
    """Parse a JSON body before anything reads it: nesting deeper than the parser recurses, or a lone
    surrogate (JSON can carry one, UTF-8 cannot), is bad input (400), not a server fault."""
    if request.method in SAFE_METHODS or not request.is_json:
        return
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        abort(400, "The JSON is nested too deeply.")
    if has_lone_surrogate(body):
        abort(400, "The JSON holds a lone surrogate (\\ud800-\\udfff), which is not text.")


def _per_page(requested):
    config = current_app.config
    return min(requested or config["API_PAGE_SIZE"], config["API_MAX_PAGE_SIZE"])


@bp.get("/openapi.json")
@access("public")
def openapi():
    """This API's OpenAPI description, generated from the schemas that validate it (api/schemas.py)."""
    return jsonify(tree().spec)


@bp.get("/experts")
@access("public")
@pagecache.cached
@validate(query="ExpertsQuery", ok="ExpertPage", refusals=(400,), tags=["experts"], security=PUBLIC)
def experts():
    """Listed experts, filtered by role, country, topic, language and words; paginated."""
    query = request.context.query
    filters = query.model_dump(include={"role", "country", "topic", "language", "q"})
    page = db.paginate(
        profiles.directory_query(**filters, full=True),
        page=query.page,
        per_page=_per_page(query.per_page),
        error_out=False,
        count=True,
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
@pagecache.cached
@validate(ok="Expert", refusals=(404,), tags=["experts"], security=PUBLIC)
def expert(profile_id):
    """One listed expert's public profile."""
    profile = get_or_404(ExpertProfile, profile_id)
    if not profiles.is_listed(profile):
        abort(404)
    return jsonify(profiles.public_profile(profile))


@bp.get("/me")
@access("login")
@validate(ok="Me", refusals=(401, 403), tags=["account"])
def me():
    """Who the token or session acts for."""
    if not current_user.is_authenticated:
        abort(401)
    return jsonify(
        id=current_user.id,
        email=current_user.email,
        role=current_user.role.value,
        verified=current_user.is_verified,
        profile_id=current_user.profile.id,
    )


@bp.post("/match")
@access("login")
@validate(json="MatchBody", ok="Proposals", refusals=(400, 401, 403, 413, 429), tags=["matching"])
def match():
    """Rank experts for a question text: the same code path as the ask page."""
    json = request.context.json
    if not current_user.is_authenticated:
        abort(401)
    if len(json.text.strip()) < 3:
        abort(400, "'text': write at least 3 characters.")
    query = MatchQuery(
        text=json.text.strip(),
        k=json.k,
        role=json.role,
        country=json.country,
        language=json.language,
        verified_only=json.verified_only,
        balanced=json.balanced,
        preferred_countries=json.preferred_countries,
        preferred_languages=json.preferred_languages,
        exclude_organisations=json.exclude_organisations,
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
@pagecache.cached
@validate(query="QuestionsQuery", ok="QuestionPage", refusals=(400,), tags=["questions"], security=PUBLIC)
def list_questions():
    """Public questions only, newest first; filters topic, answered (yes/no), answered_by and words."""
    query = request.context.query
    page = db.paginate(
        questions.browse_query(query.topic, query.answered, query.answered_by, query.q),
        page=query.page,
        per_page=_per_page(query.per_page),
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
@pagecache.cached
@validate(ok="QuestionFull", refusals=(404,), tags=["questions"], security=PUBLIC)
def get_question(question_id):
    """One question with its answers (a confidential one only for those who may read it; 404 otherwise)."""
    return jsonify(_question_json(_readable_question(question_id, questions.page_loading()), full=True))


@bp.post("/questions")
@access("login")
@validate(
    json="QuestionBody", ok="QuestionFull", status="HTTP_201", refusals=(400, 401, 403, 413, 429), tags=["questions"]
)
def create_question():
    """Ask a question (public, or confidential: only for you, moderators and experts who accept)."""
    json = request.context.json
    if not current_user.is_authenticated:
        abort(401)
    ratelimit.spend("question", current_user._get_current_object())
    question = questions.create_question(
        current_user._get_current_object(),
        json.title,
        json.body,
        json.topics,
        json.visibility,
        invitee_summary=json.invitee_summary,
    )
    return jsonify(_question_json(question, full=True)), 201


def _answerable_first(view):
    """Who may answer is decided before the body is looked at: a question that is not yours to see is a
    404, one you may not answer a 403, whatever was sent."""

    @functools.wraps(view)
    def checked(question_id, **kwargs):
        if not current_user.is_authenticated:
            abort(401)
        question = _readable_question(question_id)
        if not question_policy.can_answer(question, current_user):
            abort(403, "You may not answer this question.")
        return view(question_id, **kwargs)

    return checked


@bp.post("/questions/<int:question_id>/answers")
@access("login", "question.answer")
@_answerable_first
@validate(
    json="AnswerBody", ok="AnswerOut", status="HTTP_201", refusals=(400, 401, 403, 404, 413, 429), tags=["questions"]
)
def create_answer(question_id):
    """Answer a question you may read and answer."""
    json = request.context.json
    question = _readable_question(question_id)
    ratelimit.spend("answer", current_user._get_current_object())
    answer = questions.post_answer(question, current_user._get_current_object(), json.body)
    return jsonify(_answer_json(answer)), 201
