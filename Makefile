# Kiosque: `make run` serves the site with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# pip extras: the tests' tools by default; a deployed site takes none (`make install EXTRAS=`,
# as deploy/install-debian.sh does), a central server `postgres`.
EXTRAS ?= dev
STAMP := $(VENV)/.installed-$(or $(EXTRAS),none)
HTMX := static/vendor/htmx.min.js
# Languages with a catalog; `make translations NEW=ta` starts a new one.
# The médiateur pages' languages (kiosk/i18n.py STAFF_LANGUAGES; English is the source).
STAFF_LANGS := fr
LANGS := $(sort $(patsubst translations/%/LC_MESSAGES,%,$(wildcard translations/*/LC_MESSAGES)) $(NEW))
PO := $(wildcard translations/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)

.PHONY: install run test lint bench translations compile-translations clean

install: $(STAMP) $(HTMX) $(MO)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.$(if $(EXTRAS),[$(EXTRAS)])'
	touch $@

$(HTMX): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

# Compiled catalogs are built, never committed.
translations/%.mo: translations/%.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@ 2>&1 | grep -v "^compiling" || true
	test -f $@

compile-translations: $(MO)

run: install
	KIOSK_DEMO=$${KIOSK_DEMO:-true} $(BIN)/python app.py

lint: $(STAMP)
	$(BIN)/ruff check .

test: install lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run.py

# Extract every string: UI (Python, templates) into messages.pot, flow content into flows.pot;
# then update each language's catalogs of both domains and compile them.
EXTRACT := $(BIN)/pybabel extract --no-location --sort-output --project Kiosque \
	--copyright-holder Kiosque --msgid-bugs-address ""
translations: $(STAMP)
	$(EXTRACT) --mapping-file babel.cfg --keywords _l --keywords lazy_gettext \
	  --output-file translations/messages.pot .
	$(EXTRACT) --mapping-file babel-flows.cfg --output-file translations/flows.pot .
	$(EXTRACT) --mapping-file babel-staff.cfg --keywords _l --keywords lazy_gettext \
	  --output-file translations/staff.pot .
	for lang in $(filter-out en,$(LANGS)); do \
	  domains="messages flows"; case " $(STAFF_LANGS) " in *" $$lang "*) domains="$$domains staff";; esac; \
	  for domain in $$domains; do \
	  if [ -f translations/$$lang/LC_MESSAGES/$$domain.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -D $$domain \
	      -i translations/$$domain.pot -d translations -l $$lang; \
	  else \
	    $(BIN)/pybabel init -D $$domain -i translations/$$domain.pot -d translations -l $$lang; \
	  fi; \
	done; done
	$(MAKE) compile-translations

clean:
	rm -rf $(VENV) node_modules static/vendor translations/*/LC_MESSAGES/*.mo
