# The two commands a user needs: `make demo` and `make test`.
# Each creates .venv with the project installed on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-backends samples clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

test: $(STAMP)
	@bash scripts/ensure_test_tools.sh
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The measuring benchmark, then the web server under load (its section is put into RESULTS.md).
bench: $(STAMP)
	$(BIN)/legcheck bench --json bench/results.json --results bench/RESULTS.md
	$(BIN)/python benchmarks/web_load.py --json bench/web_load.json --results bench/RESULTS.md

bench-backends: $(STAMP)
	@bash scripts/ensure_test_tools.sh
	$(BIN)/python benchmarks/backends.py --json bench/backends.json

samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py

clean:
	rm -rf $(VENV) .pytest_cache
