# Every target sets itself up: a .venv from a Python >= 3.12 found by scripts/find-python.sh.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo

.PHONY: demo test test-mesa4 lint format bench figures calibrate validate screening viz screenshot lab clean

$(STAMP): pyproject.toml
	@py=$$(scripts/find-python.sh) || exit 1; \
	  [ -x $(BIN)/python ] || $$py -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# One run of the default region, then every named scenario on it: 5 common-seed replicates each
# (~15 s), written to $(OUT)/compare.
demo: $(STAMP)
	$(BIN)/gpfed run --preset region --steps 40 --seed 1 --out $(OUT)
	$(BIN)/gpfed compare --all --reps 5 --seed 1 --out $(OUT)/compare

# The README's pictures and comparison table: the demo run's outcome panel, the scenario
# comparison (on posterior draws) with its table, and the browser page (screenshot).
figures: $(STAMP) screenshot
	$(BIN)/gpfed run --preset region --steps 40 --seed 1 --out out/figures --quiet
	cp out/figures/panel.png docs/img/demo_panel.png
	$(BIN)/gpfed compare --all --reps 10 --seed 1 --out out/figures/compare --quiet
	cp out/figures/compare/panel.png docs/img/compare_panel.png
	$(BIN)/python scripts/readme_compare_table.py out/figures/compare

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The browser tests need Chromium: installed by ensure-chromium.sh when root; without it they skip,
# except under CI=true, where they fail.
test: lint
	scripts/ensure-chromium.sh
	$(BIN)/python -m pytest

# The fast tests (not slow, not browser) against the newest Mesa 4 pre-release, in an environment
# of their own (.venv-mesa4) with every other dependency as the project pins it. Not part of
# make test: it reports how far gpfed is from Mesa 4.
MESA4 := .venv-mesa4
test-mesa4:
	@py=$$(scripts/find-python.sh) || exit 1; \
	  [ -x $(MESA4)/bin/python ] || $$py -m venv $(MESA4)
	$(MESA4)/bin/python -m pip install --quiet --upgrade pip
	$(MESA4)/bin/python -m pip install --quiet --pre "mesa[rec]>=4.0.0a0,<5" \
	  $$($(MESA4)/bin/python scripts/dependencies.py --without mesa)
	$(MESA4)/bin/python -m pip install --quiet --no-deps -e .
	$(MESA4)/bin/python -c "import mesa; print('Mesa', mesa.__version__)"
	$(MESA4)/bin/python -m pytest -m "not slow and not browser" -p no:cacheprovider -q

# JupyterLab on the notebooks: installs jupyterlab into .venv the first time (not in the dev
# extra; make test runs the notebooks through nbclient and needs no front end).
lab: $(STAMP)
	@[ -x $(BIN)/jupyter-lab ] || $(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab notebooks/

# The browser page (SolaraViz) on http://127.0.0.1:8765/; Ctrl+C stops it.
viz: $(STAMP)
	$(BIN)/gpfed viz

# The README's picture of the browser page (docs/img/viz.png), taken in headless Chromium (~25 s).
screenshot: $(STAMP)
	scripts/ensure-chromium.sh
	$(BIN)/python scripts/viz_screenshot.py docs/img/viz.png

# Command-line start-up (gpfed --help, params, scenarios), model speed (England, 40 quarters, in
# process and as gpfed run), scaling (500 to 16,000 practices), sweep throughput (200 runs: gpfed
# 1 and 2 workers, Dask, mesa.batch_run) and the browser page's Step (server side and clicked in
# Chromium); results in out/bench/, then one table of every target, printed and written to
# benchmarks/results/latest.md (commit it when performance changes). About ten minutes.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_model.py
	$(BIN)/python benchmarks/bench_scaling.py
	$(BIN)/python benchmarks/bench_sweep.py --repeats 3
	scripts/ensure-chromium.sh
	$(BIN)/python benchmarks/bench_viz.py
	$(BIN)/python benchmarks/report.py

# Refit england_2013's behavioural parameters to April 2013-June 2017 by ABC-SMC (pyabc; about
# 3,000 England runs, under an hour on 2 cores; resumable) and store the posterior in the
# package; docs/VALIDATION.md follows.
calibrate: $(STAMP)
	$(BIN)/gpfed calibrate --install --out out/calibration
	$(BIN)/python scripts/validation_doc.py

# Morris screening of every proposed parameter for the headline outcomes (~730 runs of the
# default region, a few minutes; resumable); writes docs/SCREENING.md.
screening: $(STAMP)
	$(BIN)/python scripts/screening_doc.py

# england_2013 at full scale over 10 replicates against every target (~1 min); the table and
# figure go into docs/VALIDATION.md.
validate: $(STAMP)
	$(BIN)/gpfed validate --reps 20 --out out/validation
	$(BIN)/python scripts/validation_doc.py --validation out/validation

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
