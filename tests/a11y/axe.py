"""axe-core in every browser test: the ``page`` fixture (conftest.py) is an ``AxePage``, which checks each state
of the page the test sees against WCAG 2.1 A and AA, and the test fails listing what axe found.

How: axe-core (tests/a11y/package-lock.json, installed by ``make test``) and a small watcher are init scripts, so
every document has them without touching the site's strict CSP (init scripts are not subject to it; no
``bypass_csp``, so an inline script or style that the CSP blocks in production is blocked here too). The watcher
gives each document an id and counts its DOM changes. Whenever the test turns to the page (any attribute of it:
``page.goto``, ``page.get_by_label``, ``page.url`` ...) and the document or its DOM changed since the last check,
axe runs on it first: the state the test saw is the one checked, with the test's own login. At the end of the
test the final state is checked, and any page the test landed on but never looked at (a document left before the
next step) is opened again with the same cookies and checked."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

AXE_JS = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

WATCH_JS = """
if (document.contentType === "text/html") {
  window.__a11y = {doc: Math.random().toString(36).slice(2), changes: 0};
  new MutationObserver(() => { window.__a11y.changes++; })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  if (window.top === window) {
    document.addEventListener("DOMContentLoaded", () => window.__a11yLanded(window.__a11y.doc, location.href));
  }
}
"""

STATE_JS = """() => (window.__a11y && document.readyState === "complete"
  ? [window.__a11y.doc, window.__a11y.changes] : null)"""

RUN_JS = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((node) => node.target.flat(Infinity).join(" >>> ")),
  }));
}"""


def require_axe():
    """Without axe-core the check cannot run: an error in CI (env CI set), a visible skip elsewhere."""
    if AXE_JS.exists():
        return
    message = f"axe-core is not installed ({AXE_JS}): run `npm ci --prefix tests/a11y` (make test does it)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class AxePage:
    """A Playwright ``Page`` that is checked by axe-core before each use; everything else is the page's own."""

    def __init__(self, context):
        state = {"context": context, "checked": None, "docs": set(), "landed": {}, "violations": {}}
        object.__setattr__(self, "_a11y", state)
        context.expose_binding("__a11yLanded", lambda source, doc, url: state["landed"].setdefault(doc, url))
        context.add_init_script(path=str(AXE_JS))
        context.add_init_script(script=WATCH_JS)
        object.__setattr__(self, "_page", context.new_page())

    def __getattr__(self, name):
        self.check_accessibility()
        return getattr(self._page, name)

    def __setattr__(self, name, value):
        setattr(self._page, name, value)

    def check_accessibility(self, page=None, note=""):
        """Run axe on the current state of ``page`` (the test's page by default) unless it was checked as is."""
        page = page or self._page
        state = self._a11y
        for _ in range(3):  # a navigation may replace the document under us: look again at the new one
            try:
                if page.is_closed() or not page.url.startswith("http"):
                    return
                page.wait_for_load_state("load")
                key = page.evaluate(STATE_JS)
                if key is None or tuple(key) == state["checked"]:
                    return
                violations = page.evaluate(RUN_JS, TAGS)
            except PlaywrightError as error:
                if "destroyed" in str(error) or "navigat" in str(error):
                    continue
                raise
            state["checked"] = tuple(key)
            state["docs"].add(key[0])
            for violation in violations:
                where = (page.url + note, violation["id"], tuple(violation["targets"]))
                state["violations"].setdefault(where, violation)
            return

    def assert_accessible(self):
        """The end of the test: check the final state and any page left unchecked, then fail on what axe found."""
        state = self._a11y
        self.check_accessibility()
        checked_urls = {url for doc, url in state["landed"].items() if doc in state["docs"]}
        for url in dict.fromkeys(url for doc, url in state["landed"].items() if doc not in state["docs"]):
            if url in checked_urls:
                continue
            checked_urls.add(url)
            again = state["context"].new_page()
            again.goto(url)
            self.check_accessibility(again, note=" (opened again after the test)")
            again.close()
        if state["violations"]:
            lines = [f"axe-core found {len(state['violations'])} WCAG 2.1 A/AA violation(s):"]
            for (url, rule, targets), violation in state["violations"].items():
                lines.append(f"- {rule} ({violation['impact']}) on {url}: {violation['help']}")
                lines.extend(f"    {target}" for target in targets)
            pytest.fail("\n".join(lines), pytrace=False)
