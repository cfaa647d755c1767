"""Options shared by several commands: surrogate fitting (``fit``, ``evaluate``), the record store
and artifacts folders, ``KEY=VALUE`` lists."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from graph_encodings.deprecation import add_renamed_flags

SHIPPED_STORE_HELP = "record store folder (default: the shipped records)"
SHIPPED_ARTIFACTS_HELP = "artifacts folder of fitted benchmarks (default: the shipped artifacts)"


def add_folder_option(parser: argparse.ArgumentParser, flag: str, help_text: str,
                      old: tuple[str, ...] = (), default: str | None = None) -> None:
    """Add ``flag`` (a folder) to ``parser``; each of ``old`` is a hidden, deprecated spelling.

    The record store is ``--store`` and the artifacts folder ``--artifacts`` in every command.
    """
    add_renamed_flags(parser, parser.add_argument(flag, default=default, help=help_text), *old)


def add_surrogate_options(parser: argparse.ArgumentParser, params_default: str) -> None:
    """Add ``--task --space --protocol --model --params --store --seed`` to ``parser``.

    ``params_default`` says, in the help, what ``--params`` defaults to.
    """
    parser.add_argument("--task", required=True)
    parser.add_argument("--space", default="darts", help="search space (darts or nb201)")
    parser.add_argument("--protocol", default=None,
                        help="protocol (default: the newest version with records for task and space)")
    parser.add_argument("--model", default="ensemble", help="registered surrogate name")
    parser.add_argument("--params", default=None,
                        help=f"hyper-parameters as JSON (default: {params_default})")
    add_folder_option(parser, "--store", SHIPPED_STORE_HELP, old=("--records",))
    parser.add_argument("--seed", type=seed_arg, default=0, help="split and model seed")


def seed_arg(text: str) -> int:
    """The argparse type of every ``--seed``: an integer >= 0 (:func:`graph_encodings.check_seed`)."""
    from graph_encodings.seeds import check_seed

    try:
        value: object = int(text)
    except ValueError:
        value = text
    try:
        return check_seed(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def arch_arg(text: str) -> str | int:
    """The argparse type of an architecture: an NB201 index when ``text`` is all digits, else its
    text form (both resolved by :func:`graph_encodings.resolve_archs`, as in the Python API)."""
    return int(text) if text.isascii() and text.isdigit() else text


def count_arg(text: str) -> int:
    """The argparse type of a count that must be an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def output_file(text: str | None, flag: str, suffix: str | None = None) -> Path | None:
    """``text`` as a file to write at the end of a command, checked before any work.

    It must not be a folder (and end in ``suffix`` when given); its folder is created (as
    ``fit --artifacts`` and ``collect --store`` create theirs). ``ValueError`` naming ``flag`` and the
    path otherwise.
    """
    if text is None:
        return None
    path = Path(text)
    if suffix is not None and path.suffix.lower() != suffix:
        raise ValueError(f"{flag} must be a {suffix} file, got {text!r}")
    if path.is_dir():
        raise ValueError(f"{flag} {text!r} is a folder, not a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"{flag} {text!r}: cannot create its folder ({err})") from None
    return path


def parse_params(text: str | None) -> dict[str, Any] | None:
    """The ``--params`` JSON object as a dict (``None`` when not given).

    ``ValueError`` naming the text when it is not valid JSON or not a JSON object.
    """
    if text is None:
        return None
    try:
        params = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"--params is not valid JSON ({err}): {text!r}") from None
    if not isinstance(params, dict):
        raise ValueError(f"--params must be a JSON object, got {text!r}")
    return params


def parse_options(pairs: list[str], flag: str = "--sampler-option") -> dict[str, object]:
    """``["population_size=20", "mutation=op"]`` -> ``{"population_size": 20, "mutation": "op"}``.

    Values that read as an int or a float become numbers; anything else stays a string.
    ``flag`` names the option in the ``ValueError`` raised for a pair without ``=``.
    """
    options: dict[str, object] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{flag} {pair!r} must look like KEY=VALUE (e.g. population_size=20)")
        value: object = text
        for cast in (int, float):
            try:
                value = cast(text)
                break
            except ValueError:
                continue
        options[key.strip()] = value
    return options
