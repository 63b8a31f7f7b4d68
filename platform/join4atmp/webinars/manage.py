"""Organiser pages: create, edit, publish, cancel; registrants, attendance, questions and their themes.

Anonymous visitors are sent to the login page; members without the organiser duty get 403; a draft
someone may not see is 404; a webinar they may see but not manage is 403.
"""

import csv
import io
import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..core.forms import PostForm
from ..core.policy import access
from ..core.views import back_on_refusal, form_page, get_or_404
from . import messages, questions, registrations, services
from .forms import AnswerForm, AttendanceForm, CancelWebinarForm, MessageForm, WebinarForm
from .models import RegistrationStatus, Webinar, WebinarQuestion
from .policy import can_manage, can_publish_answers, can_view

bp = Blueprint("manage", __name__, url_prefix="/webinars")


def _managed(webinar_id) -> Webinar:
    webinar = get_or_404(Webinar, webinar_id)
    if not can_view(webinar, current_user):
        abort(404)
    if not can_manage(webinar, current_user):
        abort(403)
    return webinar


def _back(webinar, endpoint="webinars.manage.overview"):
    return redirect(url_for(endpoint, webinar_id=webinar.id))


def _back_on_refusal(webinar):
    back_on_refusal(url_for("webinars.manage.overview", webinar_id=webinar.id))


@bp.route("/new", methods=["GET", "POST"])
@access("organiser")
def new():
    form = WebinarForm()
    page = form_page("webinars/edit.html", form, webinar=None)
    if form.validate_on_submit():
        webinar = services.create_webinar(current_user, form.values())
        flash(_("The webinar is saved as a draft. Publish it when it is ready."), "success")
        return _back(webinar)
    return page.render()


@bp.route("/<int:webinar_id>/edit", methods=["GET", "POST"])
@access("organiser", "webinar.manage")
def edit(webinar_id):
    webinar = _managed(webinar_id)
    if webinar.is_cancelled:  # said before anyone fills in the form, not after Save
        flash(_("A cancelled webinar can no longer be changed."), "error")
        return _back(webinar)
    form = WebinarForm.for_webinar(webinar)
    page = form_page("webinars/edit.html", form, webinar=webinar)
    if form.validate_on_submit():
        services.update_webinar(webinar, current_user, form.values())
        flash(_("The webinar is saved."), "success")
        return _back(webinar)
    return page.render()


@bp.post("/<int:webinar_id>/publish")
@access("organiser", "webinar.manage")
def publish(webinar_id):
    webinar = _managed(webinar_id)
    _back_on_refusal(webinar)
    services.publish_webinar(webinar, current_user)
    flash(_("The webinar is published."), "success")
    return _back(webinar, "webinars.show")


@bp.post("/<int:webinar_id>/delete")
@access("organiser", "webinar.manage")
def delete(webinar_id):
    webinar = _managed(webinar_id)
    _back_on_refusal(webinar)
    services.delete_draft(webinar, current_user)
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("webinars.index"))


@bp.route("/<int:webinar_id>/cancel", methods=["GET", "POST"])
@access("organiser", "webinar.manage")
def cancel(webinar_id):
    webinar = _managed(webinar_id)
    form = CancelWebinarForm()
    page = form_page("webinars/cancel.html", form, webinar=webinar, counts=services.counts(webinar))
    if form.validate_on_submit():
        notified = services.cancel_webinar(webinar, current_user, form.message.data)
        flash(
            ngettext(
                "The webinar is cancelled; %(num)d person was told.",
                "The webinar is cancelled; %(num)d people were told.",
                notified,
            ),
            "success",
        )
        return _back(webinar, "webinars.show")
    return page.render()


def _overview(webinar, attendance_form=None, answer_forms=None, message_form=None, status=200):
    groups = registrations.registrations_by_status(webinar)
    holding = groups[RegistrationStatus.CONFIRMED] + groups[RegistrationStatus.ATTENDED]
    attendance_form = attendance_form or AttendanceForm(formdata=None)
    attendance_form.attended.choices = [(r.id, _registrant_name(r)) for r in holding]
    if attendance_form.attended.data is None:
        attendance_form.attended.data = [r.id for r in groups[RegistrationStatus.ATTENDED]]
    all_questions = sorted(webinar.questions, key=lambda q: (-q.vote_count, q.id))
    answer_forms = answer_forms or {}
    for question in all_questions:
        answer_forms.setdefault(
            question.id, AnswerForm(formdata=None, prefix=f"q{question.id}", answer=question.answer)
        )
    return render_template(
        "webinars/manage.html",
        webinar=webinar,
        participants=sorted(holding, key=lambda r: r.id),
        waiting=groups[RegistrationStatus.WAITLISTED],
        counts=services.counts(webinar),
        attendance_form=attendance_form,
        questions=all_questions,
        answer_forms=answer_forms,
        message_form=message_form or MessageForm(formdata=None),
        can_publish_answers=can_publish_answers(webinar),
        answered_count=len(questions.answered_questions(webinar)),
        post_form=PostForm(),
    ), status


def _registrant_name(registration):
    user = registration.user
    if user is None:
        return _("(personal data removed)")
    return user.name


@bp.route("/<int:webinar_id>/manage")
@access("organiser", "webinar.manage")
def overview(webinar_id):
    return _overview(_managed(webinar_id))


@bp.post("/<int:webinar_id>/attendance")
@access("organiser", "webinar.manage")
def attendance(webinar_id):
    webinar = _managed(webinar_id)
    form = AttendanceForm()
    form.attended.choices = [(r.id, "") for r in webinar.registrations if r.holds_seats]
    page = form_page(lambda status: _overview(webinar, attendance_form=form, status=status), form)
    if not form.validate_on_submit():
        return page.render()
    registrations.mark_attendance(webinar, current_user, form.attended.data or [])
    flash(_("Attendance is saved."), "success")
    return _back(webinar)


# A formula trigger at the start of a cell, or after any character a spreadsheet may take as the list
# separator (a comma, or a semicolon where the decimal mark is a comma: de, fr, it, nl), with spaces
# between: an apostrophe before it makes the spreadsheet read text.
_FORMULA_START = re.compile(r"(^|[,;\t|])(\s*)(?=[=+\-@\r])")


def _csv_cell(value) -> str:
    """A cell no spreadsheet runs as a formula, whatever its list separator (every cell is quoted too)."""
    text = "" if value is None else str(value)
    return _FORMULA_START.sub(lambda m: f"{m.group(1)}{m.group(2)}'", text)


@bp.route("/<int:webinar_id>/registrants.csv")
@access("organiser", "webinar.manage")
def registrants_csv(webinar_id):
    webinar = _managed(webinar_id)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(
        ["name", "email", "organisation", "status", "places", "waiting_list_position", "registered_at_utc", "needs"]
    )
    groups = registrations.registrations_by_status(webinar)
    for status in RegistrationStatus:
        for position, r in enumerate(groups[status], start=1):
            user = r.user
            writer.writerow(
                [
                    _csv_cell(v)
                    for v in (
                        _registrant_name(r),
                        user.email if user else "",
                        user.profile.organisation if user and user.profile else "",
                        r.status.value,
                        r.seats,
                        position if status == RegistrationStatus.WAITLISTED else "",
                        f"{r.created_at:%Y-%m-%d %H:%M}",
                        r.needs or "",
                    )
                ]
            )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="webinar-{webinar.id}-registrants.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/<int:webinar_id>/themes")
@access("organiser", "webinar.manage")
def themes(webinar_id):
    webinar = _managed(webinar_id)
    return render_template(
        "webinars/themes.html", webinar=webinar, themes=questions.question_themes(webinar, current_user)
    )


def _managed_question(webinar_id, question_id):
    webinar = _managed(webinar_id)
    question = get_or_404(WebinarQuestion, question_id)
    if question.webinar_id != webinar.id:
        abort(404)
    return webinar, question


@bp.post("/<int:webinar_id>/questions/<int:question_id>/answer")
@access("organiser", "webinar.manage")
def answer(webinar_id, question_id):
    webinar, question = _managed_question(webinar_id, question_id)
    form = AnswerForm(prefix=f"q{question.id}")
    page = form_page(lambda status: _overview(webinar, answer_forms={question.id: form}, status=status), form)
    if not form.validate_on_submit():
        return page.render()
    questions.answer_question(question, current_user, form.answer.data)
    flash(_("The answer is published."), "success")
    return redirect(url_for("webinars.manage.overview", webinar_id=webinar.id, _anchor=f"q-{question.id}"))


@bp.post("/<int:webinar_id>/questions/<int:question_id>/hide")
@access("organiser", "webinar.manage")
def hide(webinar_id, question_id):
    webinar, question = _managed_question(webinar_id, question_id)
    hidden = request.form.get("hidden") != "0"
    questions.set_hidden(question, current_user, hidden)
    flash(_("The question is hidden.") if hidden else _("The question is shown again."), "success")
    return redirect(url_for("webinars.manage.overview", webinar_id=webinar.id, _anchor=f"q-{question.id}"))


@bp.post("/<int:webinar_id>/message")
@access("organiser", "webinar.manage")
def message(webinar_id):
    webinar = _managed(webinar_id)
    form = MessageForm()
    page = form_page(lambda status: _overview(webinar, message_form=form, status=status), form)
    if not form.validate_on_submit():
        return page.render()
    sent = messages.message_registrants(
        webinar, current_user, form.subject.data, form.body.data, include_waitlisted=form.include_waitlisted.data
    )
    flash(
        ngettext(
            "Your message is on its way to %(num)d person.", "Your message is on its way to %(num)d people.", sent
        ),
        "success",
    )
    return _back(webinar)


@bp.post("/<int:webinar_id>/publish-answers")
@access("organiser", "webinar.manage")
def publish_answers(webinar_id):
    webinar = _managed(webinar_id)
    _back_on_refusal(webinar)
    thread, created = questions.publish_answers(webinar, current_user)
    flash(_("The answers are published as a Q&A thread.") if created else _("The Q&A thread is up to date."), "success")
    return redirect(url_for("questions.show", question_id=thread.id))
