"""The space registry, and the interface every registered space honours."""

from __future__ import annotations

import networkx as nx
import pytest

from graph_encodings.spaces import SearchSpace, get_space, list_spaces


def test_list_and_get() -> None:
    assert list_spaces() == ["darts", "nb201"]
    for name in list_spaces():
        space = get_space(name)
        assert isinstance(space, SearchSpace) and space.name == name
        assert get_space(name) is space
        assert get_space(space) is space


@pytest.mark.parametrize("bad", ["nb101", "DARTS", "", None, 3])
def test_unknown_space_lists_valid_names(bad) -> None:
    with pytest.raises(
        ValueError, match=r"unknown search space .*valid names: darts, nb201"
    ):
        get_space(bad)


@pytest.mark.parametrize("name", list_spaces())
def test_space_interface(name: str) -> None:
    space = get_space(name)
    archs = space.sample_many(20, rng=1)
    assert archs == space.sample_many(20, rng=1)
    for arch in archs:
        text = space.format(arch)
        assert text == str(arch) and space.parse(text) == arch
        assert space.coerce(text) == arch and space.coerce(arch) == arch
        assert space.validate(space.mutate(arch, 0)) is not None
        assert space.canonical_hash(arch) == space.canonical_hash(space.canonical(arch))
        assert space.is_isomorphic(arch, space.canonical(arch))
        graph = space.to_graph(arch)
        assert isinstance(graph, nx.DiGraph) and nx.is_directed_acyclic_graph(graph)
        assert all("op" in data for *_, data in graph.edges(data=True))
    with pytest.raises(ValueError):
        space.validate(object())
