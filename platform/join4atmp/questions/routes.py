from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import pagecache, ratelimit
from ..core.forms import PostForm
from ..core.policy import access
from ..core.views import back_on_refusal, form_page, get_or_404
from ..extensions import db
from . import policy, services, watching
from .forms import AnswerForm, BrowseForm, QuestionForm, ReasonForm
from .models import Answer, Flag, Question
from .similar import similar_questions, similar_to

bp = Blueprint("questions", __name__)


@bp.app_context_processor
def _question_rules():
    return policy.predicates()


def _readable(question_id, options=()) -> Question:
    """The question if the current user may read it; 404 otherwise (its existence stays secret)."""
    question = get_or_404(Question, question_id, options)
    if not policy.can_read(question, current_user):
        abort(404)
    return question


def _answer_of(question, answer_id) -> Answer:
    answer = get_or_404(Answer, answer_id)
    if answer.question_id != question.id or not policy.can_see_answer(answer, current_user):
        abort(404)
    return answer


def _page(question, form=None, status=200):
    is_asker = policy.is_asker(question, current_user)
    moderator = policy.is_moderator(current_user)
    watching = current_user.is_authenticated and any(w.user_id == current_user.id for w in question.watchers)
    similar = similar_to(question, k=5) if not question.is_confidential else []
    return render_template(
        "questions/show.html",
        question=question,
        is_asker=is_asker,
        show_requests=is_asker or moderator,
        answers=services.ordered_answers(question, current_user),
        moderator=moderator,
        watching=watching,
        can_answer=policy.can_answer(question, current_user),
        form=form or AnswerForm(formdata=None),
        post_form=PostForm(),
        reason_form=ReasonForm(formdata=None),
        similar=similar,
    ), status


@bp.route("/questions")
@access("public")
@pagecache.cached
def index():
    form = BrowseForm(request.args)
    if not form.validate():
        return render_template("questions/index.html", form=form, page=None, results=None, args={}), 400
    args = {k: v for k, v in request.args.items() if k != "page"}
    if form.q.data and form.mode.data == "meaning":
        results = similar_questions(form.q.data, k=20, answered_only=False, min_score=0.2)
        return render_template("questions/index.html", form=form, page=None, results=results, args=args)
    page = db.paginate(
        services.browse_query(
            form.topic.data, form.answered.data, form.answered_by.data, form.q.data, count_answers=True
        ),
        per_page=current_app.config["DIRECTORY_PAGE_SIZE"],
        error_out=False,
    )
    return render_template("questions/index.html", form=form, page=page, results=None, args=args)


@bp.route("/questions/similar")
@access("public")
def similar():
    """Public answered questions like the text being typed (JSON, for the ask page)."""
    text = (request.args.get("q") or "")[:2000]
    return jsonify(
        items=[
            {"id": q.id, "title": q.title, "score": round(score, 3), "url": url_for("questions.show", question_id=q.id)}
            for q, score in similar_questions(text, k=5)
        ]
    )


@bp.route("/questions/<int:question_id>")
@access("public", "question.read")
@pagecache.cached
def show(question_id):
    return _page(_readable(question_id, services.page_loading()))


@bp.post("/questions/<int:question_id>/answers")
@access("login", "question.answer")
def answer(question_id):
    question = _readable(question_id)
    if not policy.can_answer(question, current_user):
        abort(403)
    form = AnswerForm()
    page = form_page(lambda status: _page(question, form, status), form)
    if not form.validate_on_submit():
        return page.render()
    ratelimit.spend("answer", current_user)
    services.post_answer(question, current_user, form.body.data)
    flash(_("Your answer has been posted."), "success")
    return redirect(url_for("questions.show", question_id=question.id))


def _post_action(question_id, answer_id, action, message):
    question = _readable(question_id)
    answer = _answer_of(question, answer_id)
    back = url_for("questions.show", question_id=question.id, _anchor=f"answer-{answer.id}")
    back_on_refusal(back)
    action(question, answer)
    flash(message, "success")
    return redirect(back)


@bp.post("/questions/<int:question_id>/answers/<int:answer_id>/accept")
@access("login", "question.asker")
def accept(question_id, answer_id):
    return _post_action(
        question_id, answer_id, lambda q, a: services.accept_answer(q, a, current_user), _("You accepted this answer.")
    )


@bp.post("/questions/<int:question_id>/answers/<int:answer_id>/helpful")
@access("login", "question.read")
def helpful(question_id, answer_id):
    return _post_action(
        question_id, answer_id, lambda q, a: services.vote_helpful(a, current_user), _("Thank you for your vote.")
    )


@bp.post("/questions/<int:question_id>/watch")
@access("login", "question.read")
def watch(question_id):
    question = _readable(question_id)
    watching.watch(question, current_user, request.form.get("on") == "1")
    return redirect(url_for("questions.show", question_id=question.id))


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access("login", "question.edit")
def edit(question_id):
    question = _readable(question_id)
    if not policy.can_edit(question, current_user):
        abort(403)
    form = QuestionForm(obj=question) if request.method == "GET" else QuestionForm()
    page = form_page("questions/edit.html", form, question=question, heading=_("Edit question"))
    if request.method == "GET":
        form.topics.data = question.topics
    elif form.validate_on_submit():
        services.edit_question(question, current_user, form.title.data, form.body.data, form.topics.data)
        flash(_("The question has been updated."), "success")
        return redirect(url_for("questions.show", question_id=question.id))
    return page.render()


@bp.route("/questions/<int:question_id>/answers/<int:answer_id>/edit", methods=["GET", "POST"])
@access("login", "answer.edit")
def edit_answer(question_id, answer_id):
    question = _readable(question_id)
    answer = _answer_of(question, answer_id)
    if not policy.can_edit_answer(answer, current_user):
        abort(403)
    form = AnswerForm(obj=answer) if request.method == "GET" else AnswerForm()
    page = form_page("questions/edit_answer.html", form, question=question, answer=answer)
    if request.method == "POST" and form.validate_on_submit():
        services.edit_answer(answer, current_user, form.body.data)
        flash(_("The answer has been updated."), "success")
        return redirect(url_for("questions.show", question_id=question.id, _anchor=f"answer-{answer.id}"))
    return page.render()


@bp.route("/questions/<int:question_id>/revisions")
@access("login", "post.author")
def revisions(question_id):
    question = _readable(question_id)
    answers = policy.revisions_visible(question, current_user)
    if answers is None:
        abort(403)
    return render_template(
        "questions/revisions.html",
        question=question,
        answers=answers,
        show_question=policy.can_edit(question, current_user),
    )


@bp.route("/questions/<int:question_id>/summary", methods=["GET", "POST"])
@access("login", "question.asker")
def summary(question_id):
    question = _readable(question_id)
    if not policy.can_summarise(question, current_user):
        abort(403)
    form = QuestionForm()
    page = form_page(
        "questions/edit.html", form, question=question, summary=True, heading=_("Publish an anonymised summary")
    )
    if form.validate_on_submit():
        public = services.publish_summary(question, current_user, form.title.data, form.body.data, form.topics.data)
        flash(_("Your anonymised summary is published. The original stays confidential."), "success")
        return redirect(url_for("questions.show", question_id=public.id))
    return page.render()


@bp.post("/questions/<int:question_id>/flag")
@access("login", "question.read")
def flag_question(question_id):
    return _flag(_readable(question_id), None)


@bp.post("/questions/<int:question_id>/answers/<int:answer_id>/flag")
@access("login", "question.read")
def flag_answer(question_id, answer_id):
    question = _readable(question_id)
    return _flag(question, _answer_of(question, answer_id))


def _flag(question, answer):
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Tell the moderators what is wrong."), "error")
    else:
        services.flag(current_user, form.reason.data, question=None if answer else question, answer=answer)
        flash(_("Thank you. A moderator will look at it."), "success")
    return redirect(url_for("questions.show", question_id=question.id))


@bp.route("/my/questions")
@access("login")
def mine():
    return render_template("questions/mine.html", questions=services.questions_asked_by(current_user))


# --- Moderation ---------------------------------------------------------------------------


@bp.route("/moderation")
@access("moderator")
def moderation():
    return render_template(
        "questions/moderation.html",
        flags=services.open_flags(),
        post_form=PostForm(),
        reason_form=ReasonForm(formdata=None),
    )


@bp.post("/moderation/<kind>/<int:post_id>/<action>")
@access("moderator")
def moderate(kind, post_id, action):
    model = {"questions": Question, "answers": Answer}.get(kind)
    if model is None or action not in ("hide", "restore"):
        abort(404)
    post = get_or_404(model, post_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
    else:
        services.set_hidden(current_user, post, action == "hide", form.reason.data)
        flash(_moderated(model is Question, action == "hide"), "success")
    question_id = post.id if model is Question else post.question_id
    return redirect(
        request.form.get("next") == "queue"
        and url_for("questions.moderation")
        or url_for("questions.show", question_id=question_id)
    )


def _moderated(question, hidden) -> str:
    if question:
        return _("The question is hidden.") if hidden else _("The question is visible again.")
    return _("The answer is hidden.") if hidden else _("The answer is visible again.")


@bp.post("/moderation/flags/<int:flag_id>/dismiss")
@access("moderator")
def dismiss(flag_id):
    services.dismiss_flag(current_user, get_or_404(Flag, flag_id))
    flash(_("The flag is dismissed; the post stays as it was."), "success")
    return redirect(url_for("questions.moderation"))
