"""Exceptions raised by the surrogates package."""
from __future__ import annotations


class NotFittedError(ValueError, AttributeError):
    """A model was asked to predict or save before ``fit`` was called."""


class ArtifactError(ValueError):
    """A saved model folder is missing files, was modified, or has an unsupported format version."""
