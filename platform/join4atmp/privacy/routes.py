from flask import Blueprint, abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..core import consent
from ..core.forms import PostForm
from ..core.policy import access
from ..core.time import utcnow
from ..core.views import form_page
from . import erasure, export
from .forms import ErasureForm, ExportForm

bp = Blueprint("privacy", __name__)


@bp.route("/privacy")
@access("public")
def notice():
    return render_template("privacy/notice.html", config=current_app.config)


def _data_page(erasure_form=None, status=200):
    return render_template(
        "privacy/data.html",
        consents=consent.consent_history(current_user),
        purposes=consent.PURPOSES,
        export_form=ExportForm(),
        erasure_form=erasure_form or ErasureForm(formdata=None),
        post_form=PostForm(),
    ), status


@bp.route("/privacy/data")
@access("login", "own")
def data():
    return _data_page()


@bp.post("/privacy/data/export")
@access("login", "own")
def download():
    if not ExportForm().validate_on_submit():
        abort(400)
    document = export.export_user_data(current_user)
    filename = f"join4atmp-my-data-{utcnow():%Y-%m-%d}.json"
    return current_app.response_class(
        document,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.post("/privacy/consents/<purpose>/withdraw")
@access("login", "own")
def withdraw(purpose):
    if purpose not in consent.PURPOSES:
        abort(404)
    consent.withdraw(current_user, purpose)
    flash(_("Your consent has been withdrawn."), "success")
    return redirect(url_for("privacy.data"))


@bp.post("/privacy/data/erase")
@access("login", "own")
def erase():
    form = ErasureForm()
    page = form_page(lambda status: _data_page(erasure_form=form, status=status), form)
    if not form.validate_on_submit():
        return page.render()
    erasure.erase_account(
        current_user._get_current_object(), form.password.data, remove_contributions=form.remove_contributions.data
    )
    logout_user()
    session.clear()
    flash(_("Your account has been erased."), "success")
    return redirect(url_for("home.index"))
