"""notebooks/03_ranking_under_uncertainty.ipynb runs top to bottom (see notebook_runner)."""
from notebook_runner import notebook_test

test_ranking_under_uncertainty = notebook_test("03_ranking_under_uncertainty.ipynb")
