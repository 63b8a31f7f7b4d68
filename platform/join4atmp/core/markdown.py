"""Markdown for user content: parsed by markdown-it-py with raw HTML off, then cleaned by nh3."""

import functools

import nh3
from markupsafe import Markup
from sqlalchemy import event


@functools.cache
def _parser():
    """The parser, made on first use (markdown-it and its highlighter cost a tenth of a second to import)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> Markup:
    html = _parser().render(text or "")
    # Headings people type (#, ##) become h3 and below, under the page's own h1 and h2.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(cleaned)


def plain_text(text: str) -> str:
    """What a reader sees of a piece of Markdown, without its marks ("**five years**" -> "five years")."""
    return render_markdown(text).striptags()


# Markdown is rendered when a text is saved, never when it is viewed: rendering is worst-case slow (20,000
# "[" take half a second), so a page that rendered on each view could be held down by one long answer.
RENDER_LIMIT = 20_000  # longer texts (only rows older than the limits) are shown as plain text


def render_for_storage(text: str) -> str:
    """The HTML stored beside a Markdown text."""
    text = text or ""
    if len(text) > RENDER_LIMIT:
        return str(Markup("<p>%s</p>") % text)
    return str(render_markdown(text))


def render_on_save(model, field):
    """Keep ``<field>_html`` of ``model`` in step with ``field``: rendered whenever the text is set."""
    html_field = f"{field}_html"

    def on_set(target, value, _old, _initiator):
        setattr(target, html_field, render_for_storage(value))

    event.listen(getattr(model, field), "set", on_set)


def stored_markdown(obj, field) -> Markup:
    """What templates show for a Markdown field: the stored HTML (rendered here only for a row that has
    none, which the migration that added the column leaves to no row)."""
    html = getattr(obj, f"{field}_html", None)
    return Markup(html) if html is not None else Markup(render_for_storage(getattr(obj, field)))
