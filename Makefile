# The README's commands. `make serve` and `make test` set a fresh machine up on first use.
# .venv is built with the newest supported Python found here (3.13, then 3.12, then 3.11, on PATH
# or installed by pyenv: scripts/find-python.sh); `make PYTHON=/path/to/python3.12 test` overrides.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell sh scripts/find-python.sh)
endif
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
SAMPLE ?= vcf_samples/atc_braf_v600e.json

# The stamp holds the version and path of the Python .venv was built with: another Python
# (a newer one installed, or PYTHON=...) rebuilds .venv from scratch.
PY_ID := $(shell "$(PYTHON)" -c 'import sys; print(sys.version.split()[0], sys.executable)' 2>/dev/null)
ifneq ($(shell cat $(STAMP) 2>/dev/null),$(PY_ID))
$(STAMP): FORCE
endif

.PHONY: install serve match test test-fast lint bench clean FORCE

$(STAMP): setup.cfg pyproject.toml
	@case "$(PY_ID)" in 3.1[123].*) ;; *) echo "make: no Python 3.11-3.13 runs here ('$(PYTHON)'):" \
	    "install python3.13 (or 3.12, 3.11) or pass PYTHON=/path/to/python3.x" >&2; exit 1;; esac
	@if [ -f $(VENV)/pyvenv.cfg ] && [ "$$(cat $(STAMP) 2>/dev/null)" != "$(PY_ID)" ]; then \
	    echo "make: rebuilding $(VENV) with Python $(PY_ID)"; \
	    $(PYTHON) -m venv --clear $(VENV); \
	else \
	    echo "make: $(VENV) with Python $(PY_ID)"; \
	    $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[server,test,postgres,dev]'
	echo '$(PY_ID)' > $(STAMP)

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
