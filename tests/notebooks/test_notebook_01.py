"""notebooks/01_predict_with_uncertainty.ipynb runs top to bottom (see notebook_runner)."""
from notebook_runner import notebook_test

test_predict_with_uncertainty = notebook_test("01_predict_with_uncertainty.ipynb")
