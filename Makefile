# NB360-S: `make demo` and `make test` work on a fresh machine (they create .venv themselves).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU torch by default: this pinned wheel is served locally on the project's machines; on a GPU
# machine run `make TORCH_SPEC=torch ...` (or install your CUDA build into .venv first: an already
# importable torch is kept).
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= test,ray,slurm,notebooks

.PHONY: demo test lint bench install clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

install: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/python -m nb360_cli.main demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

lint: $(BIN)/.installed
	$(BIN)/ruff check .

bench: $(BIN)/.installed
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
