"""Colour pairs in the style sheets that axe cannot judge: the focus ring (WCAG 2.1 non-text contrast, 3:1 against
what surrounds it) and the role and status badges (7:1, the AAA level for normal text, as the platform promises)."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "css"


def rules(*names):
    """{selector: {property: value}} from plain CSS (rules inside @media count as top-level ones)."""
    found = {}
    for name in names:
        text = re.sub(r"/\*.*?\*/", "", (CSS / name).read_text(), flags=re.S)
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
            declarations = dict(
                (key.strip(), value.strip())
                for key, _, value in (part.partition(":") for part in body.split(";"))
                if value.strip()
            )
            for selector in selectors.split(","):
                found.setdefault(" ".join(selector.split()), {}).update(declarations)
    return found


SHEET = rules("site.css", "webinars.css")


def colour(value):
    """The colour in a declaration value, custom properties resolved."""
    while (reference := re.search(r"var\((--[\w-]+)\)", value)) is not None:
        value = value.replace(reference.group(0), SHEET[":root"][reference.group(1)])
    [hex_colour] = re.findall(r"#[0-9a-fA-F]{3,6}\b", value)
    return hex_colour


def luminance(hex_colour):
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first, second):
    """The WCAG 2.1 contrast ratio of two colours, 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


PAGE = [colour("var(--paper)"), colour("var(--soft)")]  # where badges sit: cards, tables, the grey boxes
LIGHT = PAGE + [colour(SHEET[".notice"]["background"]), colour(SHEET[".form-errors"]["background"])]
HEADER = [colour(SHEET[".site-header"]["background"]), colour("var(--brand-dark)")]


def test_the_contrast_ratio_is_the_wcag_one():
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    assert contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffbf47", "#ffffff") < 3  # the old amber ring


def test_the_focus_ring_stands_out_on_the_page_and_in_the_header():
    ring = colour(SHEET[":focus-visible"]["outline"])
    assert "#ffffff" in LIGHT and all(contrast(ring, ground) >= 3 for ground in LIGHT), (ring, LIGHT)
    in_header = colour(SHEET[".site-header :focus-visible"]["outline-color"])
    assert all(contrast(in_header, ground) >= 3 for ground in HEADER), (in_header, HEADER)
    assert SHEET[".skip-link:focus-visible"]["outline-color"] == SHEET[".site-header :focus-visible"]["outline-color"]


BADGES = [selector for selector in SHEET if re.fullmatch(r"\.badge-[\w-]+", selector)]


def test_every_role_and_status_badge_has_been_found():
    roles = {"regulator", "developer", "clinician", "patient_org", "admin"}
    assert {f".badge-{role}" for role in roles} | {".badge-verified"} <= set(BADGES)


@pytest.mark.parametrize("selector", BADGES)
def test_badge_text_has_at_least_seven_to_one(selector):
    rule = SHEET[selector]
    text = colour(rule["color"])
    grounds = [colour(rule["background"])] if "background" in rule else PAGE
    for ground in grounds:
        assert contrast(text, ground) >= 7, f"{selector}: {text} on {ground} is {contrast(text, ground):.2f}:1"
