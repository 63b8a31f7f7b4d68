from flask import Blueprint, jsonify

from ..core.policy import access
from .health import report

bp = Blueprint("jobs", __name__)


@bp.route("/healthz")
@access("public")
def health():
    """For load balancers and operators: JSON, 200 when healthy, 503 when the database or queue is not."""
    body, status = report()
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
