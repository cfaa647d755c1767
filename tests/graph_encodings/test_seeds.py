"""One rule for seeds: an int >= 0, or None / a Generator where the API takes one."""
from __future__ import annotations

import numpy as np
import pytest

from graph_encodings import as_rng, check_seed, get_space


def test_integers_ge_0_are_seeds() -> None:
    assert check_seed(0) == 0 and check_seed(np.int64(7)) == 7
    assert type(check_seed(np.uint8(3))) is int
    assert check_seed(None, allow_none=True) is None
    rng = np.random.default_rng(0)
    assert check_seed(rng, allow_generator=True) is rng and as_rng(rng) is rng
    assert as_rng(5).integers(100) == np.random.default_rng(5).integers(100)


@pytest.mark.parametrize("bad", [-1, "abc", 1.5, True, np.bool_(True), [1], None])
def test_anything_else_is_refused_naming_the_value(bad: object) -> None:
    with pytest.raises(ValueError, match=rf"^seed must be an integer >= 0, got {bad!r}$".replace("[", r"\[")):
        check_seed(bad)


def test_the_message_lists_what_the_api_takes() -> None:
    with pytest.raises(ValueError, match=r"^rng must be an integer >= 0, None or a numpy Generator, got -2$"):
        as_rng(-2, "rng")
    with pytest.raises(ValueError, match=r"^seed must be an integer >= 0 or None, got 'x'$"):
        check_seed("x", allow_none=True)
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got Generator"):
        check_seed(np.random.default_rng(0))  # not where the API takes one


@pytest.mark.parametrize("space", ["nb201", "darts"])
def test_spaces_name_a_bad_rng(space: str) -> None:
    sp = get_space(space)
    for call in (lambda: sp.sample(-1), lambda: sp.sample_many(2, rng="abc"),
                 lambda: sp.mutate(sp.sample(0), rng=1.5)):
        with pytest.raises(ValueError, match="rng must be an integer >= 0"):
            call()
