from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import DomainError, NotAllowed
from ..core.views import get_or_404, show_domain_error
from . import services
from .forms import AnswerForm
from .models import Question

bp = Blueprint("questions", __name__)


def _readable(question_id) -> Question:
    """The question if the current user may read it; 404 otherwise (its existence stays secret)."""
    question = get_or_404(Question, question_id)
    if not services.can_read(question, current_user):
        abort(404)
    return question


def _page(question, form=None, status=200):
    is_asker = current_user.is_authenticated and current_user.id == question.asker_id
    show_requests = is_asker or (current_user.is_authenticated and current_user.is_admin)
    return render_template(
        "questions/show.html", question=question, is_asker=is_asker, show_requests=show_requests,
        can_answer=services.can_answer(question, current_user), form=form or AnswerForm(formdata=None),
    ), status


@bp.route("/questions/<int:question_id>")
def show(question_id):
    return _page(_readable(question_id))


@bp.post("/questions/<int:question_id>/answers")
@login_required
def answer(question_id):
    question = _readable(question_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _page(question, form, 400)
    try:
        services.post_answer(question, current_user, form.body.data)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        show_domain_error(form, error)
        return _page(question, form, 400)
    flash(_("Your answer has been posted."), "success")
    return redirect(url_for("questions.show", question_id=question.id))


@bp.route("/my/questions")
@login_required
def mine():
    return render_template("questions/mine.html", questions=services.questions_asked_by(current_user))
