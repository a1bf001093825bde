# The README's commands. `make serve` and `make test` set a fresh machine up on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
SAMPLE ?= vcf_samples/atc_braf_v600e.json

.PHONY: install serve match test test-fast lint bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[server,test,postgres,dev]'
	touch $(STAMP)

install: $(STAMP)

# The main job: migrate the embedded SQLite store (var/), create a demo lab key on first start
# and print it with a ready-to-paste curl, then serve on 127.0.0.1:8000.
serve: $(STAMP)
	$(BIN)/matcher serve

match: $(STAMP)
	$(BIN)/matcher match $(SAMPLE) --format text

test: $(STAMP)
	$(BIN)/matcher kb validate
	$(BIN)/matcher kb import-civic knowledgebase/civic/source --check
	$(BIN)/matcher kb import-approvals knowledgebase/approvals/source --check
	$(BIN)/matcher kb import-trials knowledgebase/ctgov/source/trials_recruiting_2026-01-05.tsv.gz --check
	$(BIN)/matcher kb import-registry knowledgebase/registry/source/trials.tsv --check
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check matcher tests bench

bench: $(STAMP)
	@echo "see bench/README.md"

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache
