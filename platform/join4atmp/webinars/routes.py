from flask import Blueprint, render_template

bp = Blueprint("webinars", __name__)


@bp.route("/webinars")
def index():
    """Placeholder until the webinars area lands."""
    return render_template("errors/error.html", code=200, title="Webinars", message="Coming soon."), 200
