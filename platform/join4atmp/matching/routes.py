from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import pagecache, ratelimit
from ..core.policy import access
from ..core.views import back_on_refusal, form_page, get_or_404
from ..extensions import db
from ..questions import policy as question_policy
from ..questions import services as questions
from ..questions.models import Question
from . import results, routing
from .forms import AcceptForm, AskForm, DeclineForm, SearchAgainForm, SendRequestsForm
from .links import token_matches
from .models import MatchRequest, RequestStatus
from .policy import is_request_expert
from .triage import triage_hints

bp = Blueprint("matching", __name__)


@bp.route("/ask", methods=["GET", "POST"])
@access("login")
def ask():
    form = AskForm()
    page = form_page("matching/ask.html", form)
    if form.validate_on_submit():
        ratelimit.spend("question", current_user)
        question = questions.create_question(
            current_user,
            form.title.data,
            form.body.data,
            form.topics.data,
            form.visibility.data,
            form.preferences(),
            invitee_summary=form.invitee_summary.data,
        )
        return redirect(url_for("matching.experts", question_id=question.id))
    return page.render()


def _own_question(question_id) -> Question:
    question = get_or_404(Question, question_id)
    if not question_policy.is_asker(question, current_user):
        abort(404)
    return question


@bp.route("/questions/<int:question_id>/experts", methods=["GET", "POST"])
@access("login", "question.asker")
@pagecache.cached  # the ranking a reload shows again, until something it depends on changes
def experts(question_id):
    question = _own_question(question_id)
    form = SendRequestsForm(confidential=question.is_confidential)
    if "invitee_summary" not in request.form:  # not asked on this page: the one written with the question
        form.invitee_summary.data = question.invitee_summary
    form.experts.validate_choice = False  # send_requests checks each expert is still eligible
    page = form_page(lambda status: _experts_page(question, form, status), form)
    if request.method == "POST" and form.validate_on_submit():
        ratelimit.spend("match", current_user)
        questions.set_invitee_summary(question, form.invitee_summary.data)
        routing.send_requests(question, form.experts.data, current_user)
        flash(_("Your question has been sent. You will get an email when an expert answers the request."), "success")
        return redirect(url_for("questions.show", question_id=question.id))
    return page.render()


def _experts_page(question, form, status):
    matches = results.proposed(question, current_user)
    results.commit_written()  # the ranking, when this view ran it, and the evidence it explained
    if request.method == "GET" and not question.match_requests:
        form.experts.data = [m.profile.id for m in matches[:3]]
    return render_template(
        "matching/experts.html",
        question=question,
        matches=matches,
        form=form,
        again_form=SearchAgainForm(formdata=None),
        hints=triage_hints(question.text),
    ), status


@bp.post("/questions/<int:question_id>/experts/again")
@access("login", "question.asker")
def search_again(question_id):
    """Run the question's match again: experts who joined or changed their profile since are ranked too."""
    question = _own_question(question_id)
    if not SearchAgainForm().validate_on_submit():
        abort(400)
    ratelimit.spend("match", current_user)
    results.stored(question, refresh=True)
    db.session.commit()
    flash(_("The experts were searched again."), "success")
    return redirect(url_for("matching.experts", question_id=question.id))


@bp.route("/requests")
@access("login")
def dashboard():
    profile = current_user.profile
    requests = routing.requests_for(profile) if profile else []
    groups = {status: [r for r in requests if r.status == status] for status in RequestStatus}
    return render_template("matching/dashboard.html", groups=groups, stats=routing.response_stats(requests))


def _expert_request(request_id) -> MatchRequest:
    match_request = get_or_404(MatchRequest, request_id)
    if not is_request_expert(match_request, current_user):
        abort(404)
    return match_request


@bp.route("/requests/<int:request_id>")
@access("login", "request.expert")
def respond(request_id):
    token = request.args.get("token")
    match_request = _expert_request(request_id)
    if token is not None and not token_matches(token, match_request):
        abort(404)
    return render_template(
        "matching/respond.html",
        match_request=match_request,
        question=match_request.question,
        accept_form=AcceptForm(),
        decline_form=DeclineForm(formdata=None),
        can_read=question_policy.can_read(match_request.question, current_user),
        action=request.args.get("action"),
    )


@bp.post("/requests/<int:request_id>/accept")
@access("login", "request.expert")
def accept(request_id):
    match_request = _expert_request(request_id)
    if not AcceptForm().validate_on_submit():
        abort(400)
    back_on_refusal(url_for("matching.respond", request_id=request_id))
    routing.accept(match_request, current_user)
    flash(_("Thank you. You can now read the full question and answer it."), "success")
    return redirect(url_for("questions.show", question_id=match_request.question_id))


@bp.post("/requests/<int:request_id>/decline")
@access("login", "request.expert")
def decline(request_id):
    match_request = _expert_request(request_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        abort(400)
    back_on_refusal(url_for("matching.respond", request_id=request_id))
    if routing.decline(match_request, current_user, form.reason.data):
        flash(_("You declined the request. The question goes to another expert."), "success")
    else:
        flash(_("You declined the request. The asker has been told."), "success")
    return redirect(url_for("matching.dashboard"))
