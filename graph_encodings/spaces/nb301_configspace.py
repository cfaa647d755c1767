"""Conversion between :class:`DartsArch` and NAS-Bench-301's ConfigSpace dictionaries.

Where the layout comes from (automl/nasbench301, read for this module):

- ``nasbench301/configspace.json``: the hyperparameter names, the op choices in the order
  ``max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3,
  dil_conv_5x5`` (= :data:`DARTS_OPS`), the input choices of ``inputs_node_<cell>_<n>`` for
  n = 3, 4, 5 (``"0_1", "0_2", ...``: the two inputs, ascending, in lexicographic order) and the
  conditions: ``edge_<cell>_<e>`` is active only if its input node is among the chosen inputs.
- ``nasbench301/representations.py`` (``convert_genotype_to_config``): edge numbering. The edges of
  node 2 are 0, 1; of node 3: 2, 3, 4; node 4: 5..8; node 5: 9..13; the edge index is
  ``offset(node) + input``. Node 2 has no ``inputs_node`` key (its inputs are always 0 and 1).
- ``nasbench301/api.py`` (``fixed_hyperparameters``): the non-architecture keys NB301 merges into
  every query (:data:`NB301_FIXED_HYPERPARAMETERS`).
- ConfigSpace's array order (``Configuration.get_array()``, used by NB301's XGB/LGB surrogates)
  sorts hyperparameters by depth in the condition graph, then by name as a Python string
  (``ConfigurationSpace._sort_hyperparameters``). :data:`NB301_HYPERPARAMETERS` is that order
  restricted to the 34 architecture hyperparameters; the non-architecture ones are constant for
  every architecture and are left out.

A ConfigSpace dict cannot express the order of the two ``(op, input)`` pairs of a node, so
:func:`from_configspace_dict` returns each node's pairs sorted by input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_encodings.spaces.darts import CELL_TYPES, DARTS_OPS, N_INTERMEDIATE, DartsArch

PREFIX = "NetworkSelectorDatasetInfo:darts:"

NB301_FIXED_HYPERPARAMETERS: dict[str, Any] = {
    "CreateImageDataLoader:batch_size": 96,
    "ImageAugmentation:augment": "True",
    "ImageAugmentation:cutout": "True",
    "ImageAugmentation:cutout_holes": 1,
    "ImageAugmentation:cutout_length": 16,
    "ImageAugmentation:autoaugment": "False",
    "ImageAugmentation:fastautoaugment": "False",
    "LossModuleSelectorIndices:loss_module": "cross_entropy",
    "NetworkSelectorDatasetInfo:darts:auxiliary": "True",
    "NetworkSelectorDatasetInfo:darts:drop_path_prob": 0.2,
    "NetworkSelectorDatasetInfo:network": "darts",
    "OptimizerSelector:optimizer": "sgd",
    "OptimizerSelector:sgd:learning_rate": 0.025,
    "OptimizerSelector:sgd:momentum": 0.9,
    "OptimizerSelector:sgd:weight_decay": 0.0003,
    "SimpleLearningrateSchedulerSelector:cosine_annealing:T_max": 100,
    "SimpleLearningrateSchedulerSelector:cosine_annealing:eta_min": 1e-8,
    "SimpleLearningrateSchedulerSelector:lr_scheduler": "cosine_annealing",
    "SimpleTrainNode:batch_loss_computation_technique": "mixup",
    "SimpleTrainNode:mixup:alpha": 0.2,
    "NetworkSelectorDatasetInfo:darts:init_channels": 32,
    "NetworkSelectorDatasetInfo:darts:layers": 8,
}
"""NB301's non-architecture hyperparameters (``api.fixed_hyperparameters``); ignored on input."""

NODES: tuple[int, ...] = tuple(range(2, 2 + N_INTERMEDIATE))  # 2, 3, 4, 5


def edge_offset(node: int) -> int:
    """Index of the first NB301 edge into intermediate ``node`` (0, 2, 5, 9 for nodes 2..5)."""
    return sum(range(2, node))


def input_choices(node: int) -> tuple[str, ...]:
    """NB301's choices for ``inputs_node_<cell>_<node>``: ``"a_b"`` with a < b < node."""
    return tuple(f"{a}_{b}" for a in range(node) for b in range(a + 1, node))


def edge_key(cell_type: str, edge: int) -> str:
    return f"{PREFIX}edge_{cell_type}_{edge}"


def inputs_key(cell_type: str, node: int) -> str:
    return f"{PREFIX}inputs_node_{cell_type}_{node}"


def _array_order() -> list[tuple[str, tuple[str, ...]]]:
    """Architecture hyperparameters in ConfigSpace order: (depth, name), depth 1 = conditional."""
    unconditional: dict[str, tuple[str, ...]] = {}
    conditional: dict[str, tuple[str, ...]] = {}
    for cell_type in CELL_TYPES:
        for node in NODES:
            for i in range(node):
                target = unconditional if node == 2 else conditional
                target[edge_key(cell_type, edge_offset(node) + i)] = DARTS_OPS
            if node > 2:
                unconditional[inputs_key(cell_type, node)] = input_choices(node)
    return [(k, unconditional[k]) for k in sorted(unconditional)] + [
        (k, conditional[k]) for k in sorted(conditional)
    ]


NB301_HYPERPARAMETERS: list[tuple[str, tuple[str, ...]]] = _array_order()
"""The 34 architecture hyperparameters, in ConfigSpace array order, with NB301's choice order."""

_ARCH_CHOICES: dict[str, tuple[str, ...]] = dict(NB301_HYPERPARAMETERS)


def to_configspace_dict(arch: DartsArch) -> dict[str, Any]:
    """NB301 config dict of ``arch``: the fixed NB301 keys plus the active architecture keys.

    Only active hyperparameters appear (as in ``Configuration.get_dictionary()``), so the dict
    can be passed to NB301's ``SurrogateAPI.predict(config, representation="configspace")``.
    """
    config: dict[str, Any] = dict(NB301_FIXED_HYPERPARAMETERS)
    for cell_type in CELL_TYPES:
        cell = arch.cell(cell_type)
        for node in NODES:
            pairs = cell[2 * (node - 2) : 2 * (node - 2) + 2]
            for op, i in pairs:
                config[edge_key(cell_type, edge_offset(node) + i)] = op
            if node > 2:
                a, b = sorted(i for _, i in pairs)
                config[inputs_key(cell_type, node)] = f"{a}_{b}"
    return config


def from_configspace_dict(config: Mapping[str, Any]) -> DartsArch:
    """The :class:`DartsArch` of an NB301 config dict (pairs of a node sorted by input).

    Fixed non-architecture keys (:data:`NB301_FIXED_HYPERPARAMETERS`) are accepted and ignored
    whatever their value. Unknown keys, unknown values, missing active keys and values given for
    inactive edges raise ``ValueError`` naming them.
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"NB301 config must be a dict, got {type(config).__name__}")
    unknown = sorted(
        str(k) for k in config if k not in _ARCH_CHOICES and k not in NB301_FIXED_HYPERPARAMETERS
    )
    if unknown:
        raise ValueError(
            f"unknown NB301 config keys {unknown}; valid architecture keys look like "
            f"'{edge_key('normal', 0)}' (edges 0..13) and '{inputs_key('normal', 3)}' (nodes 3..5)"
        )
    for key, choices in _ARCH_CHOICES.items():
        if key in config and config[key] not in choices:
            raise ValueError(f"NB301 config {key}={config[key]!r} is not one of {list(choices)}")
    cells = {}
    used: set[str] = set()
    for cell_type in CELL_TYPES:
        pairs: list[tuple[str, int]] = []
        for node in NODES:
            inputs = (0, 1)
            if node > 2:
                key = inputs_key(cell_type, node)
                if key not in config:
                    raise ValueError(
                        f"NB301 config lacks {key!r} (one of {list(input_choices(node))})"
                    )
                used.add(key)
                a, b = config[key].split("_")
                inputs = (int(a), int(b))
            for i in inputs:
                key = edge_key(cell_type, edge_offset(node) + i)
                if key not in config:
                    raise ValueError(
                        f"NB301 config lacks {key!r}, the op of {cell_type} node {node}'s input {i}"
                    )
                used.add(key)
                pairs.append((config[key], i))
        cells[cell_type] = tuple(pairs)
    inactive = sorted(k for k in config if k in _ARCH_CHOICES and k not in used)
    if inactive:
        raise ValueError(
            f"NB301 config sets inactive edges {inactive}: their input node is not among the "
            f"chosen inputs_node_* values"
        )
    return DartsArch(normal=cells["normal"], reduce=cells["reduce"])
