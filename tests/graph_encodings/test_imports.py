"""Importing graph_encodings stays light: torch and networkx load on first use only."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_torch_or_networkx():
    code = (
        "import sys, graph_encodings\n"
        "print(sorted(m for m in ('torch', 'networkx') if m in sys.modules))\n"
        "batch = graph_encodings.encode('darts', graph_encodings.get_space('darts').sample_many(2, rng=0), 'graph')\n"
        "graph = graph_encodings.get_space('nb201').to_graph(graph_encodings.get_space('nb201').sample(0))\n"
        "print(type(batch.x).__module__, type(graph).__module__.split('.')[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "torch networkx"]
