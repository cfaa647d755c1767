"""Options shared by several commands (nb360_cli.commands._options)."""
from __future__ import annotations

import argparse

import pytest

from nb360_cli.commands._options import add_surrogate_options, parse_options, parse_params
from nb360_cli.main import main


def test_shared_options_and_their_defaults() -> None:
    parser = argparse.ArgumentParser()
    add_surrogate_options(parser, params_default="the recipe")
    args = parser.parse_args(["--task", "ecg"])
    assert vars(args) == {"task": "ecg", "space": "darts", "protocol": None, "model": "ensemble",
                          "params": None, "records": None, "seed": 0}
    assert "(default: the recipe)" in parser.format_help()
    with pytest.raises(SystemExit):  # --task is required
        parser.parse_args([])


def test_options_are_typed() -> None:
    assert parse_options(["population_size=20", "rate=0.5", "mutation=op"]) == {
        "population_size": 20, "rate": 0.5, "mutation": "op"}
    with pytest.raises(ValueError, match=r"--optimizer-option 'rate' must look like KEY=VALUE"):
        parse_options(["rate"], "--optimizer-option")


def test_parse_params() -> None:
    assert parse_params(None) is None
    assert parse_params('{"n_rounds": 8, "booster_params": {"max_depth": 3}}') == {
        "n_rounds": 8, "booster_params": {"max_depth": 3}}


@pytest.mark.parametrize(("text", "message"), [
    ("{bad", r"--params is not valid JSON .*'\{bad'"),
    ("[1, 2]", r"--params must be a JSON object, got '\[1, 2\]'"),
])
def test_parse_params_rejects_what_is_not_a_json_object(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_params(text)


@pytest.mark.parametrize("command", ["fit", "evaluate"])
def test_both_commands_reject_bad_params_before_any_work(command: str, capsys) -> None:
    assert main([command, "--task", "ninapro", "--space", "nb201", "--params", "[1]"]) == 2
    assert "--params must be a JSON object" in capsys.readouterr().err
