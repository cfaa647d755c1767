"""Network builders: DARTS and NB201 architectures as torch modules for NB360's task families."""

from __future__ import annotations

from training_data.networks.build import build_network
from training_data.networks.counting import count_flops, count_params, network_summary
from training_data.networks.darts_network import DartsCell, DartsNetwork
from training_data.networks.families import FAMILIES, Family, get_family, list_families
from training_data.networks.nb201_network import NB201Cell, NB201Network

__all__ = [
    "FAMILIES",
    "DartsCell",
    "DartsNetwork",
    "Family",
    "NB201Cell",
    "NB201Network",
    "build_network",
    "count_flops",
    "count_params",
    "get_family",
    "list_families",
    "network_summary",
]
