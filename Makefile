# NB360-S: `make demo` and `make test` work on a fresh machine (they create .venv themselves).
# `make demo` installs the core package only, quietly; `make test` (and lint, bench) add the
# extras the suite needs (EXTRAS) to the same .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU torch by default: this pinned wheel is served locally on the project's machines; on a GPU
# machine run `make TORCH_SPEC=torch ...` (or install your CUDA build into .venv first: an already
# importable torch is kept).
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= test,ray,slurm,notebooks,synetune
# pytest processes (pytest-xdist; one test file per process at a time, so a file's tests share
# their fixtures): one per core of the 2-core CI machine
TEST_WORKERS ?= 2
# pip without progress, notices or warnings (errors still print)
PIP := $(BIN)/python -m pip --quiet --quiet --disable-pip-version-check --no-input

.PHONY: demo test lint bench install install-core clean

# the core package: what `make demo` needs
$(BIN)/.installed-core: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing nb360-surrogates (core) into $(VENV) ..."
	@$(BIN)/python -c "import torch" 2>/dev/null || $(PIP) install "$(TORCH_SPEC)"
	@$(PIP) install -e .
	@touch $@

# the core plus EXTRAS: what `make test` needs
$(BIN)/.installed: $(BIN)/.installed-core
	@echo "Installing the extras [$(EXTRAS)] into $(VENV) ..."
	@$(PIP) install -e ".[$(EXTRAS)]"
	@touch $@

install-core: $(BIN)/.installed-core

install: $(BIN)/.installed

demo: $(BIN)/.installed-core
	@$(BIN)/python -m nb360_cli.main demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=20 tests

lint: $(BIN)/.installed
	$(BIN)/ruff check .

# The speed and memory benchmarks of docs/performance.md, in its order (the other
# benchmarks/bench_*.py scripts are studies; the docs page of each result names its command).
# Training benchmarks read the tasks' data from NB360_DATA_ROOT (default: ../shared/data).
NB360_DATA_ROOT ?= ../shared/data
PERFORMANCE_BENCHMARKS = \
	"bench_encode.py" "bench_query.py --space darts" "bench_query.py --space nb201" \
	"bench_curves.py --speed" "bench_simulation.py --tasks ninapro darcyflow" \
	"bench_record_store.py" "bench_evaluate_cpu.py" "bench_pooling.py" "bench_host_memory.py"

bench: $(BIN)/.installed
	for b in $(PERFORMANCE_BENCHMARKS); do \
	  echo "== benchmarks/$$b"; NB360_DATA_ROOT=$(NB360_DATA_ROOT) $(BIN)/python benchmarks/$$b || exit 1; \
	done

clean:
	rm -rf $(VENV) build *.egg-info
