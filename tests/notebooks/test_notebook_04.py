"""notebooks/04_multi_fidelity_nas.ipynb runs top to bottom (see notebook_runner)."""
from notebook_runner import notebook_test

test_multi_fidelity_nas = notebook_test("04_multi_fidelity_nas.ipynb")
