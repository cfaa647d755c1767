"""notebooks/02_simulate_nas_optimizers.ipynb runs top to bottom (see notebook_runner)."""
from notebook_runner import notebook_test

test_simulate_nas_optimizers = notebook_test("02_simulate_nas_optimizers.ipynb")
