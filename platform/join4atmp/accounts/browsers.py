"""What the account page says of a session's browser: "Firefox 128 on Windows", read from the stored
User-Agent header when the page is shown (the header itself is kept as it came)."""

from functools import lru_cache

from flask_babel import gettext as _

RAW_LENGTH = 60  # an unrecognised header is shown cut to this


@lru_cache(maxsize=512)
def _parsed(user_agent: str) -> tuple[str | None, str | None]:
    import ua_parser  # imported on first use: its rules cost a tenth of a second to load

    agent, system = ua_parser.parse_user_agent(user_agent), ua_parser.parse_os(user_agent)
    browser = " ".join(part for part in (agent.family, agent.major) if part) if agent else None
    return browser or None, (system.family if system else None) or None


def browser_label(user_agent: str | None) -> str:
    """'Firefox 128 on Windows', 'curl 8', or the header itself (shortened) when nothing in it is known."""
    user_agent = (user_agent or "").strip()
    if not user_agent:
        return "—"
    browser, system = _parsed(user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser or system:
        return browser or _("Unknown browser on %(system)s", system=system)
    return user_agent if len(user_agent) <= RAW_LENGTH else user_agent[: RAW_LENGTH - 1] + "…"
