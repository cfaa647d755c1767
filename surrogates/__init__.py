"""surrogates package."""
