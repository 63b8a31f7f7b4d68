from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import pagecache
from ..core.forms import PostForm
from ..core.policy import access
from ..core.views import form_page, get_or_404
from ..extensions import db
from . import services
from .forms import DirectoryFilterForm, InterestForm, ProfileForm, PublicationForm
from .models import ExpertProfile

bp = Blueprint("profiles", __name__)


@bp.route("/experts")
@access("public")
@pagecache.cached
def directory():
    form = DirectoryFilterForm(request.args)
    filters = (
        {name: getattr(form, name).data for name in ("role", "country", "topic", "language", "q")}
        if form.validate()
        else {}
    )
    page = db.paginate(
        services.directory_query(**filters), per_page=current_app.config["DIRECTORY_PAGE_SIZE"], error_out=False
    )
    status = 200 if not form.errors else 400
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("profiles/directory.html", form=form, page=page, args=args), status


@bp.route("/experts/<int:profile_id>")
@access("public", "profile.view")
@pagecache.cached
def show(profile_id):
    profile = get_or_404(ExpertProfile, profile_id)
    own = current_user.is_authenticated and current_user.id == profile.user_id
    admin = current_user.is_authenticated and current_user.is_admin
    listed = services.is_listed(profile)
    if not (listed or own or admin):
        abort(404)
    return render_template(
        "profiles/show.html",
        profile=profile,
        public=services.public_profile(profile),
        own=own,
        listed=listed,
        figures=services.page_figures(profile),
    )


def _edit_page(form=None, publication_form=None, interest_form=None, status=200):
    profile = current_user.profile
    if form is None:
        form = ProfileForm(obj=profile, formdata=None)
        form.topics.data, form.languages.data = profile.topics, profile.languages
        form.show_contact.data = services.public_contact(profile) is not None
    return render_template(
        "profiles/edit.html",
        form=form,
        profile=profile,
        role_fields=services.ROLE_FIELDS[current_user.role],
        publication_form=publication_form or PublicationForm(formdata=None),
        interest_form=interest_form or InterestForm(formdata=None),
        post_form=PostForm(),
        listed=services.is_listed(profile),
    ), status


@bp.route("/profile", methods=["GET", "POST"])
@access("login", "own")
def edit():
    if request.method == "GET":
        return _edit_page()
    form = ProfileForm()
    page = form_page(lambda status: _edit_page(form=form, status=status), form)
    if form.validate_on_submit():
        services.update_profile(current_user.profile, form.data)
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("profiles.edit"))
    return page.render()


@bp.post("/profile/publications")
@access("login", "own")
def add_publication():
    form = PublicationForm()
    return _add(
        form,
        "publication_form",
        _("Publication added."),
        "publications",
        lambda: services.add_publication(
            current_user.profile, form.title.data, form.abstract.data, form.year.data, form.doi.data, form.url.data
        ),
    )


@bp.post("/profile/publications/<int:item_id>/delete")
@access("login", "own")
def delete_publication(item_id):
    return _delete(services.delete_publication, item_id, _("Publication removed."), "publications")


@bp.post("/profile/interests")
@access("login", "own")
def add_interest():
    form = InterestForm()
    return _add(
        form,
        "interest_form",
        _("Interest declared."),
        "interests",
        lambda: services.add_interest(
            current_user.profile,
            form.organisation.data,
            form.kind.data,
            form.start_year.data,
            form.end_year.data,
            form.is_public.data,
        ),
    )


def _add(form, form_name, message, anchor, add):
    """Add an item to the profile from one of its forms: the edit page again, with the reasons, if refused."""
    page = form_page(lambda status: _edit_page(**{form_name: form}, status=status), form)
    if not form.validate_on_submit():
        return page.render()
    add()
    flash(message, "success")
    return redirect(url_for("profiles.edit", _anchor=anchor))


@bp.post("/profile/interests/<int:item_id>/delete")
@access("login", "own")
def delete_interest(item_id):
    return _delete(services.delete_interest, item_id, _("Declared interest removed."), "interests")


def _delete(service, item_id, message, anchor):
    service(current_user.profile, item_id)
    flash(message, "success")
    return redirect(url_for("profiles.edit", _anchor=anchor))
