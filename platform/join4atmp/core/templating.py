"""What every template (and imported macro) may use: labels for roles and taxonomy, languages."""

from flask import current_app, has_request_context, request
from flask_babel import get_locale

from . import dates, roles, taxonomy
from .markdown import render_markdown, stored_markdown

role_label = roles.label


def register_template_helpers(app):
    app.jinja_env.filters["markdown"] = render_markdown
    dates.register(app)  # when, day, clock: European formats, the zone named
    app.jinja_env.globals["stored_markdown"] = stored_markdown
    # Globals reach imported macros too; they do not depend on the request.
    app.jinja_env.globals.update(
        role_label=role_label,
        topic_label=lambda slug: taxonomy.TOPICS.get(slug, slug),
        country_name=taxonomy.country_name,
        language_name=taxonomy.language_name,
        organisation_type_label=lambda v: taxonomy.ORGANISATION_TYPES.get(v, v or ""),
        development_stage_label=lambda v: taxonomy.DEVELOPMENT_STAGES.get(v, v or ""),
        interest_kind_label=lambda v: taxonomy.INTEREST_KINDS.get(v, v),
    )

    @app.context_processor
    def _per_request():
        from .forms import PostForm

        if not has_request_context():  # emails rendered by commands
            return {}
        return {
            "interface_languages": current_app.config["LANGUAGES"],
            "current_locale": str(get_locale()),
            "language_form": PostForm(formdata=None),  # never the request's: it may be the 413 being answered
            "here": request.full_path.rstrip("?"),
        }
