"""Renamed keywords and flags keep their old spelling working, with a warning."""
from __future__ import annotations

import pytest

from graph_encodings.deprecation import renamed_keywords


@renamed_keywords(root="store")
def _where(task: str, store: str | None = None) -> tuple[str, str | None]:
    return task, store


def test_the_new_keyword_is_silent_and_the_old_one_warns(recwarn) -> None:
    assert _where("ecg", store="a") == ("ecg", "a")
    assert _where("ecg", "a") == ("ecg", "a")
    assert not recwarn.list
    with pytest.warns(FutureWarning, match=r"_where\(root=\.\.\.\) is deprecated; use store="):
        assert _where("ecg", root="b") == ("ecg", "b")
    with pytest.raises(TypeError, match="both store= and its deprecated spelling root="):
        _where("ecg", root="b", store="a")

