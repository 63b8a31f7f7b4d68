"""The house keeps its shape: import-linter's contracts (pyproject.toml, docs/architecture.md) pass, so no
area imports one above it, no two areas import each other, core/ imports no area and search/ no Flask."""

import subprocess

from processes import BIN, ROOT


def test_the_import_contracts_hold():
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_ruff_finds_nothing():
    """Lint (pyflakes, pycodestyle, import order) at the house's line length of 120 (pyproject.toml)."""
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "platform", "tests", "bench", "gunicorn.conf.py", "migrations/env.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted_as_ruff_formats_it():
    """One layout for everyone (`ruff format`, run by the pre-commit hook), so diffs show changes, not styles."""
    result = subprocess.run(
        [str(BIN / "ruff"), "format", "--check", "platform", "tests", "bench", "gunicorn.conf.py", "migrations/env.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
