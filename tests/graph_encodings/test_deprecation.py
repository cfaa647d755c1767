"""Renamed keywords and flags keep their old spelling working, with a warning."""
from __future__ import annotations

import pytest

from graph_encodings.deprecation import renamed_attribute, renamed_keywords


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



class _Place:
    old = renamed_attribute("new")

    def __init__(self) -> None:
        self.new = "a"


def test_a_renamed_attribute_reads_and_writes_the_new_one_with_a_warning(recwarn) -> None:
    place = _Place()
    assert place.new == "a" and not recwarn.list
    with pytest.warns(FutureWarning, match=r"_Place\.old is deprecated; use _Place\.new") as caught:
        assert place.old == "a"
    assert caught[0].filename == __file__  # the warning points at the caller
    with pytest.warns(FutureWarning):
        place.old = "b"
    assert place.new == "b"
    assert isinstance(_Place.old, renamed_attribute)
