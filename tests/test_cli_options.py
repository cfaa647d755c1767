"""Options shared by several commands (nb360_cli.commands._options)."""
from __future__ import annotations

import argparse

import pytest

from nb360_cli.commands._options import (
    add_folder_option,
    add_surrogate_options,
    parse_options,
    parse_params,
)
from nb360_cli.main import build_parser, main


def test_shared_options_and_their_defaults() -> None:
    parser = argparse.ArgumentParser()
    add_surrogate_options(parser, params_default="the recipe")
    args = parser.parse_args(["--task", "ecg"])
    assert vars(args) == {"task": "ecg", "space": "darts", "protocol": None, "model": "ensemble",
                          "params": None, "store": None, "seed": 0}
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


def test_a_renamed_flag_still_works_with_a_warning(capsys) -> None:
    parser = argparse.ArgumentParser(prog="nb360 x")
    add_folder_option(parser, "--store", "record store", old=("--records", "--out"))
    assert parser.parse_args([]).store is None
    assert parser.parse_args(["--store", "a"]).store == "a"
    assert capsys.readouterr().err == ""
    assert parser.parse_args(["--records", "b"]).store == "b"
    assert "nb360 x: warning: --records is deprecated; use --store" in capsys.readouterr().err
    assert "--records" not in parser.format_help() and "--store" in parser.format_help()


def _flags(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], set[str]]:
    """Every (sub)command of ``parser`` -> the flags it shows in --help."""
    found = {prefix: {s for a in parser._actions if a.help != argparse.SUPPRESS
                      for s in a.option_strings}}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_flags(sub, (*prefix, name)))
    return found


def test_one_name_per_folder_across_commands() -> None:
    """The record store is --store and the fitted benchmarks' folder --artifacts in every command:
    no command shows an old spelling (--records, --root, --into; --out only where it is no
    store)."""
    flags = _flags(build_parser())
    for command, shown in flags.items():
        assert not shown & {"--records", "--root", "--records-root", "--into"}, command
    assert "--out" not in flags[("train",)] and "--out" not in flags[("fit",)]
    for command in [("train",), ("collect",), ("fit",), ("evaluate",), ("data", "summary"),
                    ("data", "freeze"), ("data", "reproduce"), ("data", "merge"), ("simulate",)]:
        assert "--store" in flags[command], command
    for command in [("fit",), ("query",), ("benchmarks",), ("simulate",)]:
        assert "--artifacts" in flags[command], command
