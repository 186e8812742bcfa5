# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean-venv run messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Summarise the bundled spun example offline (no keys, SQLite under ./data).
demo: $(STAMP)
	$(BIN)/python -m bot summarize examples/spun-article.txt --offline

## Install everything and run the whole test suite plus lint.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

run: $(STAMP)
	$(BIN)/python -m bot run

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

## Re-extract bot/locale/messages.pot and merge it into every language's messages.po.
# tests/telegram/test_i18n.py reads PYBABEL_KEYWORDS from here to check the .pot is current.
PYBABEL_KEYWORDS := -k N_plural:1,2 -k plural:2,3
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg $(PYBABEL_KEYWORDS) --no-location --sort-output -w 100 \
		--project=newsfix-bot --copyright-holder="NewsFix contributors" \
		-o bot/locale/messages.pot .
	$(BIN)/pybabel update -i bot/locale/messages.pot -d bot/locale -w 100 --ignore-obsolete

clean-venv:
	rm -rf $(VENV)
