"""Anytime curves (hand-computed means and standard errors) and the PNG they are drawn into."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nas_optimizers.plots import anytime_curves, plot_anytime
from nas_optimizers.simulation import simulate, toy_benchmark


def test_curves_are_step_functions_averaged_over_seeds() -> None:
    df = pd.DataFrame({
        "optimizer": ["a"] * 5, "seed": [0, 0, 0, 1, 1], "evaluation": [1, 2, 3, 1, 2],
        "sim_time": [1.0, 2.0, 4.0, 3.0, 4.0], "incumbent": [5.0, 3.0, 3.0, 4.0, 1.0],
    })
    by_eval = anytime_curves(df, x="evaluation")
    assert by_eval.evaluation.tolist() == [1, 2, 3]
    # seed 0: 5, 3, 3; seed 1: 4, 1, then its final incumbent (1) carries forward
    assert by_eval["mean"].tolist() == [4.5, 2.0, 2.0]
    assert by_eval.n.tolist() == [2, 2, 2]
    assert by_eval["sem"].tolist() == pytest.approx([0.5, 1.0, 1.0])  # std(ddof=1)/sqrt(2)
    by_time = anytime_curves(df, x="sim_time", points=5)  # grid 0, 1, 2, 3, 4
    assert by_time["mean"].tolist()[1:] == [5.0, 3.0, 3.5, 2.0]
    assert np.isnan(by_time["mean"].iloc[0]) and by_time.n.tolist() == [0, 1, 1, 2, 2]
    assert by_time["sem"].tolist()[:3] == [0.0, 0.0, 0.0]  # one seed or none: no band


def test_plot_per_task_is_written(tmp_path: Path) -> None:
    frames = []
    for task, space in (("nb201-toy", "nb201"), ("darts-toy", "darts")):
        for name in ("random_search", "local_search"):
            frame = simulate(name, toy_benchmark(space), 15, workers=2, seeds=range(3))
            frames.append(frame.assign(task=task))
    path = plot_anytime(pd.concat(frames), tmp_path / "anytime.png", title="toy")
    assert path == tmp_path / "anytime.png" and path.stat().st_size > 10_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    single = plot_anytime(frames[0], tmp_path / "one.png", x="evaluation", y="incumbent_true")
    assert single.stat().st_size > 5_000


def test_bad_input_names_the_value(tmp_path: Path) -> None:
    df = simulate("random_search", toy_benchmark(), 3)
    with pytest.raises(ValueError, match="wall"):
        plot_anytime(df, tmp_path / "a.png", x="wall")
    with pytest.raises(ValueError, match="incumbent"):
        plot_anytime(df.drop(columns="incumbent"), tmp_path / "a.png")
    with pytest.raises(ValueError, match=".png"):
        plot_anytime(df, tmp_path / "a.pdf")
    with pytest.raises(FileNotFoundError, match="missing"):
        plot_anytime(df, tmp_path / "missing" / "a.png")
