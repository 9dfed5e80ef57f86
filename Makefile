# Every target sets itself up: a .venv from a Python >= 3.12 found by scripts/find-python.sh.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	@py=$$(scripts/find-python.sh) || exit 1; \
	  [ -x $(BIN)/python ] || $$py -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gpfed run --preset region --steps 40 --seed 1 --out $(OUT)
	@echo "Outputs in $(OUT)/ (series.csv, practices.csv, ledger_by_purpose.csv, panel.png)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
