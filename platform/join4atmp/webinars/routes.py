"""Webinar pages for everyone: the list, a webinar, registering, questions and votes, calendar files.
Organiser pages are in ``manage.py`` (a blueprint nested in this one)."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..core import pagecache, ratelimit
from ..core.errors import wants_json
from ..core.forms import PostForm
from ..core.policy import access
from ..core.time import utcnow
from ..core.views import back_on_refusal, form_page, get_or_404, safe_next
from ..extensions import db
from ..questions.policy import can_read
from . import calendar, questions, registrations, services, speakers
from .forms import CancelRegistrationForm, QuestionForm, RegisterForm, TimezoneForm, WebinarFilterForm
from .manage import bp as manage_bp
from .models import Webinar, WebinarQuestion
from .policy import can_ask, can_manage, can_view, can_vote
from .times import SESSION_KEY, format_when, viewer_zone

bp = Blueprint("webinars", __name__)
bp.register_blueprint(manage_bp)


@bp.context_processor
def _time_helpers():
    def when(utc_naive, webinar=None, with_date=True):
        return format_when(utc_naive, viewer_zone(webinar), with_date=with_date) if utc_naive else ""

    def organiser_when(utc_naive, webinar, with_date=True):
        """The time in the webinar's own zone, or "" when the viewer's zone shows the same clock."""
        if not utc_naive or webinar is None:
            return ""
        theirs = format_when(utc_naive, webinar.timezone, with_date=with_date)
        return "" if theirs == when(utc_naive, webinar, with_date) else theirs

    return {
        "when": when,
        "organiser_when": organiser_when,
        "viewer_zone": viewer_zone,
        "now": utcnow(),
        "can_manage": can_manage,
        "webinars_css": url_for("static", filename="css/webinars.css"),
        "webinars_js": url_for("static", filename="js/webinars.js"),
    }


def _visible(webinar_id) -> Webinar:
    webinar = get_or_404(Webinar, webinar_id)
    if not can_view(webinar, current_user):
        abort(404)
    return webinar


@bp.route("/webinars")
@access("public")
@pagecache.cached
def index():
    form = WebinarFilterForm(request.args)
    filters = form.filters() if form.validate() else {}
    page = request.args.get("page", 1, type=int)
    return render_template(
        "webinars/index.html",
        upcoming=services.upcoming_webinars(**filters),
        past=services.past_webinars(max(page, 1), **filters),
        filters=filters,
        filter_form=form,
        drafts=services.managed_drafts(current_user),
        tz_form=TimezoneForm(formdata=None, current=viewer_zone()),
    ), 400 if form.errors else 200


@bp.route("/webinars.ics")
@access("public")
def feed():
    """Published webinars for calendar subscriptions (the list's filters apply); no join links in it."""
    form = WebinarFilterForm(request.args)
    if not form.validate():
        abort(400)
    webinars = services.feed_webinars(past_days=current_app.config.get("WEBINAR_FEED_PAST_DAYS", 365), **form.filters())
    data = calendar.build_feed(webinars, _("JOIN4ATMP webinars"))
    return Response(
        data,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="webinars.ics"', "Cache-Control": "public, max-age=300"},
    )


def _page(webinar, register_form=None, question_form=None, status=200):
    """The webinar page; the forms given carry a rejected submission's errors."""
    registration = registrations.registration_of(webinar, current_user)
    if registration is not None and not registration.is_active:
        registration = None
    visible = questions.visible_questions(webinar)
    thread = webinar.qa_question
    return render_template(
        "webinars/show.html",
        webinar=webinar,
        registration=registration,
        position=registrations.waitlist_position(registration) if registration else None,
        max_seats=registrations.max_seats(current_user),
        register_form=register_form or RegisterForm(formdata=None, max_seats=registrations.max_seats(current_user)),
        question_form=question_form or QuestionForm(formdata=None),
        questions=visible,
        my_votes=questions.votes_of(current_user, visible),
        can_ask=can_ask(webinar, current_user),
        can_vote=can_vote(webinar, current_user),
        post_form=PostForm(),
        tz_form=TimezoneForm(formdata=None, current=viewer_zone(webinar)),
        linked_speakers=webinar.speaker_experts,
        listed_speakers=speakers.listed_ids(webinar.speaker_experts),
        qa_thread=thread if thread is not None and can_read(thread, current_user) else None,
    ), status


@bp.route("/webinars/<int:webinar_id>")
@access("public", "webinar.view")
@pagecache.cached
def show(webinar_id):
    return _page(_visible(webinar_id))


@bp.post("/webinars/<int:webinar_id>/register")
@access("login", "webinar.view")
def register(webinar_id):
    webinar = _visible(webinar_id)
    form = RegisterForm(max_seats=registrations.max_seats(current_user))
    page = form_page(lambda status: _page(webinar, register_form=form, status=status), form)
    if not form.validate_on_submit():
        return page.render()
    ratelimit.spend("webinar_registration", current_user)
    registration = registrations.register_for_webinar(current_user, webinar, form.seats.data or 1, form.needs.data)
    if registration.holds_seats:
        flash(_("You are registered. We sent you a confirmation with a calendar file."), "success")
    else:
        flash(
            _("The webinar is full: you are on the waiting list. We will email you if a place comes free."), "success"
        )
    return redirect(url_for("webinars.show", webinar_id=webinar.id))


@bp.route("/webinars/<int:webinar_id>/cancel-registration", methods=["GET", "POST"])
@access("login", "webinar.view")
def cancel_registration(webinar_id):
    """Asks first (a GET changes nothing); the POST gives back every place, or with ``places`` that many."""
    webinar = _visible(webinar_id)
    registration = registrations.registration_of(webinar, current_user)
    back = url_for("webinars.show", webinar_id=webinar.id)
    if registration is None and request.method == "POST":
        abort(400)
    if registration is None or not registration.is_active or webinar.has_started(utcnow()):
        started = registration is not None and registration.is_active
        flash(str(registrations.STARTED if started else registrations.NOT_REGISTERED), "error")
        return redirect(back)
    form = CancelRegistrationForm(held=registration.seats)
    page = form_page("webinars/cancel_registration.html", form, webinar=webinar, registration=registration)
    if not form.validate_on_submit():
        return page.render()  # the question, or a number of places out of range
    held = registration.seats
    places = held if form.places.data is None else form.places.data
    registrations.cancel_registration(registration, current_user, places)  # a refusal shows on the form
    if places == held:
        flash(_("Your registration is cancelled."), "success")
    else:
        flash(
            ngettext("You gave back %(num)d place.", "You gave back %(num)d places.", places)
            + " "
            + ngettext("You keep %(num)d place.", "You keep %(num)d places.", held - places),
            "success",
        )
    return redirect(back)


@bp.post("/webinars/<int:webinar_id>/questions")
@access("login", "webinar.view")
def ask(webinar_id):
    webinar = _visible(webinar_id)
    form = QuestionForm()
    page = form_page(lambda status: _page(webinar, question_form=form, status=status), form)
    if not form.validate_on_submit():
        return page.render()
    questions.ask_question(webinar, current_user, form.text.data)  # a refusal, NotAllowed too, shows on the form
    flash(_("Your question has been sent."), "success")
    return redirect(url_for("webinars.show", webinar_id=webinar.id, _anchor="questions"))


@bp.post("/webinars/<int:webinar_id>/questions/<int:question_id>/vote")
@access("login", "webinar.view")
def vote(webinar_id, question_id):
    webinar = _visible(webinar_id)
    question = get_or_404(WebinarQuestion, question_id)
    if question.webinar_id != webinar.id:
        abort(404)
    back_on_refusal(url_for("webinars.show", webinar_id=webinar.id, _anchor="questions"))  # JSON clients: an error
    voted = questions.toggle_vote(question, current_user)
    if wants_json():
        return jsonify(voted=voted, votes=db.session.get(WebinarQuestion, question_id).vote_count)
    return redirect(url_for("webinars.show", webinar_id=webinar.id, _anchor=f"question-{question.id}"))


@bp.route("/webinars/<int:webinar_id>/calendar.ics")
@access("public", "webinar.view")
def calendar_file(webinar_id):
    """The webinar for one's calendar; with the join link for confirmed participants."""
    webinar = _visible(webinar_id)
    registration = registrations.registration_of(webinar, current_user)
    confirmed = registration is not None and registration.holds_seats
    data = calendar.build_ics(webinar, calendar.PUBLISH, include_join_link=confirmed)
    return Response(
        data,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{calendar.filename(webinar)}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.post("/webinars/timezone")
@access("public")
def set_timezone():
    """Choose the zone times are shown in (kept in the session, and on the account when logged in)."""
    form = TimezoneForm()
    target = safe_next(request.form.get("next"), url_for("webinars.index"))
    if not form.validate_on_submit():
        flash(_("Choose a time zone from the list."), "error")
        return redirect(target)
    session[SESSION_KEY] = form.tz.data
    services.remember_timezone(current_user, form.tz.data)
    return redirect(target)


@bp.route("/my/webinars")
@access("login")
def mine():
    rows = registrations.registrations_of(current_user)
    now = utcnow()
    return render_template(
        "webinars/mine.html",
        upcoming=[r for r in rows if not r.webinar.has_ended(now)],
        past=[r for r in rows if r.webinar.has_ended(now)],
    )
