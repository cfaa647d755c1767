"""nas_optimizers package."""
