from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import DomainError
from ..core.forms import PostForm
from ..core.policy import access
from ..core.views import get_or_404, show_domain_error
from ..extensions import db
from . import services
from .forms import DirectoryFilterForm, InterestForm, ProfileForm, PublicationForm
from .models import ExpertProfile

bp = Blueprint("profiles", __name__)


@bp.route("/experts")
@access("public")
def directory():
    form = DirectoryFilterForm(request.args)
    filters = {name: getattr(form, name).data for name in ("role", "country", "topic", "language", "q")} \
        if form.validate() else {}
    page = db.paginate(services.directory_query(**filters), per_page=current_app.config["DIRECTORY_PAGE_SIZE"],
                       error_out=False)
    status = 200 if not form.errors else 400
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("profiles/directory.html", form=form, page=page, args=args), status


@bp.route("/experts/<int:profile_id>")
@access("public", "profile.view")
def show(profile_id):
    profile = get_or_404(ExpertProfile, profile_id)
    own = current_user.is_authenticated and current_user.id == profile.user_id
    admin = current_user.is_authenticated and current_user.is_admin
    listed = services.is_listed(profile)
    if not (listed or own or admin):
        abort(404)
    return render_template("profiles/show.html", profile=profile, public=services.public_profile(profile),
                           own=own, listed=listed)


def _edit_page(form=None, publication_form=None, interest_form=None, status=200):
    profile = current_user.profile
    if form is None:
        form = ProfileForm(obj=profile, formdata=None)
        form.topics.data, form.languages.data = profile.topics, profile.languages
        form.show_contact.data = services.public_contact(profile) is not None
    return render_template(
        "profiles/edit.html", form=form, profile=profile, role_fields=services.ROLE_FIELDS[current_user.role],
        publication_form=publication_form or PublicationForm(formdata=None),
        interest_form=interest_form or InterestForm(formdata=None), post_form=PostForm(),
        listed=services.is_listed(profile),
    ), status


@bp.route("/profile", methods=["GET", "POST"])
@access("login", "own")
def edit():
    if request.method == "GET":
        return _edit_page()
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(current_user.profile, form.data)
        except DomainError as error:
            show_domain_error(form, error)
            return _edit_page(form=form, status=400)
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("profiles.edit"))
    return _edit_page(form=form, status=400)


@bp.post("/profile/publications")
@access("login", "own")
def add_publication():
    form = PublicationForm()
    if not form.validate_on_submit():
        return _edit_page(publication_form=form, status=400)
    services.add_publication(current_user.profile, form.title.data, form.abstract.data, form.year.data,
                             form.doi.data, form.url.data)
    flash(_("Publication added."), "success")
    return redirect(url_for("profiles.edit", _anchor="publications"))


@bp.post("/profile/publications/<int:item_id>/delete")
@access("login", "own")
def delete_publication(item_id):
    return _delete(services.delete_publication, item_id, _("Publication removed."), "publications")


@bp.post("/profile/interests")
@access("login", "own")
def add_interest():
    form = InterestForm()
    if not form.validate_on_submit():
        return _edit_page(interest_form=form, status=400)
    services.add_interest(current_user.profile, form.organisation.data, form.kind.data, form.start_year.data,
                          form.end_year.data, form.is_public.data)
    flash(_("Interest declared."), "success")
    return redirect(url_for("profiles.edit", _anchor="interests"))


@bp.post("/profile/interests/<int:item_id>/delete")
@access("login", "own")
def delete_interest(item_id):
    return _delete(services.delete_interest, item_id, _("Declared interest removed."), "interests")


def _delete(service, item_id, message, anchor):
    try:
        service(current_user.profile, item_id)
    except DomainError:
        abort(404)
    flash(message, "success")
    return redirect(url_for("profiles.edit", _anchor=anchor))
