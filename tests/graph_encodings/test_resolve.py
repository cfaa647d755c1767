"""graph_encodings.resolve_archs / resolve_arch: the one architecture resolver of every entry point."""
from __future__ import annotations

import collections

import numpy as np
import pytest

from graph_encodings import ArchitectureError, get_space, resolve_arch, resolve_archs
from graph_encodings.spaces.darts import DARTS_V2
from graph_encodings.spaces.nb301_configspace import from_configspace_dict, to_configspace_dict

DARTS = get_space("darts")
NB201 = get_space("nb201")
N0 = NB201.from_index(0)
N1234 = NB201.from_index(1234)
D = DARTS.parse(DARTS_V2)
CONFIG = to_configspace_dict(D)  # NB301 dict: its cells list a node's inputs in order
Genotype = collections.namedtuple("Genotype", "normal normal_concat reduce reduce_concat")


@pytest.mark.parametrize(
    ("archs", "space", "expected"),
    [
        ([0, 1234], None, [N0, N1234]),
        ([np.int64(1234), np.int32(0)], "nb201", [N1234, N0]),
        (np.array([0, 1234]), None, [N0, N1234]),
        (range(1), NB201, [N0]),
        ((str(N1234), N0, 0), None, [N1234, N0, N0]),
        ([DARTS_V2, D, CONFIG], None, [D, D, from_configspace_dict(CONFIG)]),
        ([Genotype(list(D.normal), [2, 3, 4, 5], list(D.reduce), range(2, 6))], "darts", [D]),
        ((a for a in [N0]), None, [N0]),
    ],
)
def test_every_accepted_form_resolves(archs, space, expected):
    sp, objs = resolve_archs(archs, space)
    assert objs == expected
    assert sp is (DARTS if isinstance(expected[0], type(D)) else NB201)


def test_single_form_resolves_and_infers_the_space():
    assert resolve_arch(str(D)) == (DARTS, D)
    assert resolve_arch(str(N1234)) == (NB201, N1234)
    assert resolve_arch(N0) == (NB201, N0)
    assert resolve_arch(np.uint16(1234), "nb201") == (NB201, N1234)


@pytest.mark.parametrize(
    ("archs", "space", "message"),
    [
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", None,
         r"archs must be a list of architectures, got str '\|none~0\|.*pass a single architecture as \[arch\]"),
        (5, "nb201", "archs must be a list of architectures, got int 5"),
        ({"a": 1}, "darts", r"got dict \{'a': 1\}"),
        (N0, "nb201", r"got NB201Arch NB201Arch\(ops="),
        ([], None, "archs is empty"),
        ([], "nb201", "archs is empty"),
        ([1.5], None, r"cannot tell the search space of archs\[0\] = 1.5: .*darts: .*nb201: "),
        ([True], "nb201", r"archs\[0\] = True is not a valid 'nb201' architecture"),
        ([0, None], None, r"archs\[1\] = None is not a valid 'nb201' architecture"),
        ([0, 15625], None, r"archs\[1\] = 15625 .*out of range 0..15624"),
        ([0, -1], "nb201", r"archs\[1\] = -1 .*out of range"),
        ([N0, "|bad~0|"], None, r"archs\[1\] = '\|bad~0\|' is not a valid 'nb201'"),
        ([0, D], None, r"archs\[1\] = DartsArch\(.*\) is a DartsArch \(space 'darts'\), but the "
                       r"space is 'nb201', which takes NB201Arch"),
        ([D, 0], "darts", r"archs\[1\] = 0 is not a valid 'darts' architecture: cannot parse"),
        ([{"a": 1}], "darts", r"archs\[0\] = \{'a': 1\} is not a valid 'darts' architecture"),
        ([np.array([0, 1])], "nb201", r"archs\[0\] = array\(\[0, 1\]\)"),
    ],
)
def test_bad_input_names_the_value(archs, space, message):
    with pytest.raises(ArchitectureError, match=message) as info:
        resolve_archs(archs, space)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


def test_bad_single_arch_names_the_value():
    with pytest.raises(ArchitectureError, match=r"cannot tell the search space of arch = 'bogus'"):
        resolve_arch("bogus")
    with pytest.raises(ArchitectureError, match=r"arch = 99999 is not a valid 'nb201' architecture"):
        resolve_arch(99999, "nb201")


def test_unknown_space_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match=r"'nb101'.*darts, nb201"):
        resolve_archs([0], "nb101")


def test_validate_false_passes_objects_and_allow_empty_needs_a_space():
    broken = type(N0)(("conv",) * 6)
    assert resolve_archs([broken], "nb201", validate=False)[1] == [broken]
    with pytest.raises(ArchitectureError, match=r"archs\[0\] = NB201Arch.*unknown op 'conv'"):
        resolve_archs([broken], "nb201")
    assert resolve_archs([], "nb201", allow_empty=True) == (NB201, [])
    with pytest.raises(ArchitectureError, match="empty"):
        resolve_archs([], allow_empty=True)


def test_objects_are_returned_unchanged_on_the_fast_path():
    archs = NB201.sample_many(5, rng=0)
    assert all(a is b for a, b in zip(resolve_archs(archs, "nb201")[1], archs, strict=True))
