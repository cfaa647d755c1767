"""The ``nb360`` command line, run in-process: fit, evaluate, query, data summary, demo."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

import surrogates
from nb360_cli.commands.demo import DEMO_ARCHS, DEMO_TASKS
from nb360_cli.main import main

sys.path.insert(0, str(Path(__file__).parent / "surrogates"))
from test_benchmark_artifacts import darts_store, tiny_nb201_store  # noqa: E402

XGB_CHECK = json.dumps(surrogates.checking_parameters("xgb"))
ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    return tiny_nb201_store(tmp_path_factory.mktemp("cli") / "records")


def test_data_summary(capsys) -> None:
    assert main(["data", "summary", "--task", "ninapro"]) == 0
    out = capsys.readouterr().out
    assert "ninapro" in out and "nb360-nb201-200ep" in out
    assert main(["data", "summary", "--space", "darts", "--by-sampler"]) == 0
    out = capsys.readouterr().out
    assert "sampler" in out.splitlines()[0] and "regularized_evolution" in out and "ecg-cpu-v1" in out


def test_data_freeze(tmp_path, capsys) -> None:
    from training_data.records.store import RecordStore
    from training_data.records.synthetic import synthetic_record

    store = RecordStore(tmp_path / "records")
    store.extend([synthetic_record(i) for i in range(4)])
    assert main(["data", "freeze", "--store", str(store.folder), "--task", "ecg"]) == 0
    assert "ecg/synthetic-v1: 4 records moved into the frozen file" in capsys.readouterr().out
    assert len(RecordStore(store.folder)) == 4 and (store.folder / "ecg" / "synthetic-v1.jsonl.gz").is_file()
    assert main(["data", "freeze", "--store", str(store.folder), "--task", "satellite"]) == 0
    assert "nothing to freeze" in capsys.readouterr().out
    assert main(["data", "freeze", "--store", str(tmp_path / "missing")]) == 2
    assert "record store folder" in (err := capsys.readouterr().err) and "missing does not exist" in err


def test_data_merge_into_store(tmp_path, capsys) -> None:
    from training_data.records.store import RecordStore
    from training_data.records.synthetic import synthetic_record

    a, b = RecordStore(tmp_path / "a"), RecordStore(tmp_path / "b")
    a.extend([synthetic_record(i) for i in range(3)])
    b.extend([synthetic_record(i) for i in range(2, 5)])
    into = tmp_path / "merged"
    assert main(["data", "merge", str(a.folder), str(b.folder), "--store", str(into)]) == 0
    assert f"merged 5 new records into {into}" in (out := capsys.readouterr()).out
    assert out.err == "" and len(RecordStore(into)) == 5
    b.append(synthetic_record(5))
    assert main(["data", "merge", str(b.folder), "--into", str(into)]) == 0  # the old spelling
    out = capsys.readouterr()
    assert "merged 1 new records" in out.out and len(RecordStore(into)) == 6
    assert "warning: --into is deprecated; use --store" in out.err
    assert main(["data", "merge", str(a.folder)]) == 2
    assert "--store is required" in capsys.readouterr().err


def test_collect_defaults_to_the_shipped_store_wherever_it_runs(tmp_path, monkeypatch, capsys) -> None:
    """Without --store, collect appends to training_data.records.DEFAULT_STORE (the shipped
    records, an absolute path), not to a folder relative to the working directory."""
    import training_data.collection
    from training_data.records import DEFAULT_STORE

    stores = []
    monkeypatch.setattr(training_data.collection, "collect",
                        lambda task, protocol, n, store, **_: stores.append(store) or "collected")
    monkeypatch.chdir(tmp_path)
    argv = ["collect", "--task", "satellite", "--protocol", "satellite-tiny-v1", "--n", "1"]
    assert main(argv) == 0 and main([*argv, "--store", "mine"]) == 0
    assert stores == [DEFAULT_STORE, "mine"] and DEFAULT_STORE.is_absolute()
    assert capsys.readouterr().out == "collected\ncollected\n"


def test_fit_then_query_own_artifacts(records, tmp_path, capsys) -> None:
    args = ["fit", "--task", "ninapro", "--space", "nb201", "--model", "xgb", "--params", XGB_CHECK,
            "--store", str(records), "--artifacts", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "kendall_tau=" in out and "60 records" in out
    assert "against single runs" in out and "against seed means: fewer than 3" in out
    assert main(args) == 2  # exists already
    assert "overwrite" in capsys.readouterr().err
    assert main(args + ["--overwrite"]) == 0
    capsys.readouterr()
    assert main(["query", "--task", "ninapro", "--space", "nb201", "--model", "xgb",
                 "--artifacts", str(tmp_path), ARCH, "7"]) == 0
    out = capsys.readouterr().out
    assert "mean" in out and ARCH in out and "params" in out
    assert main(["simulate", "--task", "ninapro", "--model", "xgb", "--artifacts", str(tmp_path),
                 "--optimizers", "random_search", "--budget", "4", "--seeds", "1"]) == 0
    assert "1 optimizers x 1 seeds on ninapro/nb201 (surrogate)" in capsys.readouterr().out


def test_fit_prints_the_seed_mean_metrics_by_sampler(tmp_path, capsys) -> None:
    store = darts_store(tmp_path / "records", n=30, seeds=3, samplers=("random", "bananas"))
    assert main(["fit", "--task", "ecg", "--space", "darts", "--model", "xgb", "--params", XGB_CHECK,
                 "--store", str(store), "--artifacts", str(tmp_path / "art"), "--no-curves"]) == 0
    out = capsys.readouterr().out
    assert "against the mean of >= 3 seeds (30 archs)" in out
    assert re.search(r"archs proposed by bananas \(15\): kendall_tau=\S+  r2=\S+  coverage90=", out)
    assert re.search(r"archs proposed by random \(15\): kendall_tau=", out)


def test_fit_with_tuning_reports_it(records, tmp_path, capsys) -> None:
    args = ["fit", "--task", "ninapro", "--space", "nb201", "--model", "xgb", "--params", XGB_CHECK,
            "--store", str(records), "--artifacts", str(tmp_path), "--tune-trials", "2"]
    assert main(args) == 0
    assert "architectures (< 1000): the metrics are cross-validated" in capsys.readouterr().out


def test_query_shipped_with_noise(capsys) -> None:
    argv = ["query", "--task", "ninapro", "--space", "nb201", ARCH, "--noise", "--seed", "3"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert "sample" in first and "std" in first
    assert main(argv) == 0
    assert capsys.readouterr().out == first  # seeded: identical samples


def test_evaluate_prints_metrics(records, capsys) -> None:
    assert main(["evaluate", "--task", "ninapro", "--space", "nb201", "--model", "xgb",
                 "--params", XGB_CHECK, "--store", str(records), "--n-test", "20"]) == 0
    out = capsys.readouterr().out
    assert "kendall_tau" in out and "coverage90" in out and "60 ok records" in out


@pytest.mark.parametrize("argv,message", [
    (["query", "--task", "ninapro", "--space", "nb201", "|bogus~0|"], "bogus"),
    (["query", "--task", "spherical", "--space", "nb201", "0"], "spherical"),
    (["query", "--task", "ninapro", "--space", "nope", "0"], "nope"),
    (["fit", "--task", "ninapro", "--space", "nb201", "--model", "nope"], "nope"),
    (["fit", "--task", "ninapro", "--space", "nb201", "--params", "{bad"], "--params"),
    (["evaluate", "--task", "nope", "--space", "nb201"], "nope"),
    (["simulate", "--task", "ninapro", "--space", "nb201", "--optimizers", "nope"], "nope"),
    (["simulate", "--task", "spherical", "--space", "nb201"], "spherical"),
    (["collect", "--task", "satellite", "--protocol", "satellite-tiny-v1", "--n", "1",
      "--sampler-option", "population_size=2"], "only valid with an optimizer"),
    (["collect", "--task", "satellite", "--protocol", "satellite-tiny-v1", "--n", "1",
      "--sampler", "regularized_evolution", "--sampler-option", "population_size"], "KEY=VALUE"),
    (["collect", "--task", "satellite", "--protocol", "satellite-tiny-v1", "--n", "1",
      "--sampler", "regularized_evolution", "--sampler-option", "pop=2"], "pop"),
    (["simulate", "--task", "ninapro", "--optimizer-option", "pop=2"],
     "'pop' is taken by none of the optimizers"),
    (["simulate", "--task", "ninapro", "--optimizer-option", "pop"], "--optimizer-option 'pop'"),
    (["query", "--task", "darcyflow", "0"], "several spaces ['darts', 'nb201']"),
    (["simulate", "--task", "darcyflow", "--table"], "several spaces ['darts', 'nb201']"),
    (["simulate", "--task", "ninapro", "--artifacts", "no-such-folder"],
     "no benchmark for task 'ninapro' under no-such-folder"),
    (["simulate", "--task", "ninapro", "--table", "--artifacts", "x"], "takes no --artifacts"),
    (["simulate", "--task", "ninapro", "--table", "--model", "ensemble"], "or --model"),
    (["simulate", "--task", "ninapro", "--store", "x"], "--store is the record store of --table"),
    (["simulate", "--task", "ninapro", "--table", "--store", "no-such-folder"],
     "record store folder no-such-folder does not exist"),
    (["query", "--task", "spherical", "0"], "no benchmark for task 'spherical'"),
])
def test_errors_exit_2_with_a_message(argv, message, capsys) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_query_without_space_uses_the_tasks_only_benchmark(capsys) -> None:
    assert main(["query", "--task", "cifar100", "0"]) == 0  # CIFAR-100's benchmarks are NB201's
    assert "space='nb201'" in capsys.readouterr().out


def test_query_without_space_on_a_task_with_two_spaces_asks_for_one(capsys) -> None:
    assert main(["query", "--task", "ninapro", "0"]) == 2
    assert "task 'ninapro' has benchmarks in several spaces ['darts', 'nb201']" in capsys.readouterr().err


def test_simulate_defaults_evolve_and_options_reach_the_optimizer(tmp_path, capsys) -> None:
    """At the default budget, evolution is not random search; a population as large as the
    budget (an --optimizer-option) makes it so, and the option skips optimizers without it."""
    csv = tmp_path / "runs.csv"
    argv = ["simulate", "--task", "ninapro", "--space", "nb201", "--optimizers", "random_search",
            "regularized_evolution", "--seeds", "1", "--workers", "1", "--csv", str(csv)]

    def archs() -> dict[str, list[str]]:
        runs = pd.read_csv(csv)
        return {name: group["arch"].tolist() for name, group in runs.groupby("optimizer")}

    assert main(argv) == 0
    assert "ninapro/nb201" in capsys.readouterr().out
    default = archs()
    assert len(default["random_search"]) == 100
    assert default["regularized_evolution"] != default["random_search"]
    assert main(argv + ["--optimizer-option", "population_size=100"]) == 0
    with_option = archs()
    assert with_option["regularized_evolution"] == with_option["random_search"]
    assert with_option["random_search"] == default["random_search"]


@pytest.mark.slow
def test_demo(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the demo writes its plot under ./runs
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) <= 50 and max(map(len, lines)) <= 120  # one screen
    # each NB201 benchmark: the manifest's held-out tau, recomputed now from the loaded artifacts
    rows = re.findall(r"^  (\w+) +[\d.]+ +\d+ +([\d.]+) +([\d.]+) \(", out, flags=re.M)
    assert [task for task, *_ in rows] == list(DEMO_TASKS)
    assert all(recorded == recomputed for _, recorded, recomputed in rows)
    assert all(sum(line.startswith(f"  {name} ") for line in lines) == 1 for name in DEMO_ARCHS)
    n_darts = sum(entry[0] == "darts" for entry in surrogates.list_benchmarks())
    assert n_darts >= 1 and len(re.findall(r"\((held out|CV)\) ", out)) == n_darts
    assert "Simulated NAS on ninapro" in out
    assert (tmp_path / "runs" / "demo_anytime.png").stat().st_size > 0


@pytest.mark.parametrize("table", [False, True], ids=["surrogate", "table"])
def test_simulate_writes_trajectories_and_plot(table, tmp_path, capsys) -> None:
    csv, png = tmp_path / "runs.csv", tmp_path / "new" / "anytime.png"  # folders are created
    argv = ["simulate", "--task", "darcyflow", "--space", "nb201", "--optimizers", "random_search",
            "local_search", "--budget", "20", "--seeds", "2", "--csv", str(csv), "--plot", str(png)]
    assert main(argv + (["--table"] if table else [])) == 0
    out = capsys.readouterr().out
    assert "local_search" in out and ("table" if table else "surrogate") in out
    runs = pd.read_csv(csv)
    assert set(runs["optimizer"]) == {"random_search", "local_search"}
    assert runs.groupby(["optimizer", "seed"]).size().eq(20).all()
    assert png.stat().st_size > 0


def test_simulate_table_from_a_record_store_of_ones_own(records, tmp_path, capsys) -> None:
    """``--table --store``: the true table of that store's records (its only space when --space is
    not given), not the shipped one. Here the shipped NinaPro records scored 1,000 worse."""
    import dataclasses

    from training_data.records import DEFAULT_STORE
    from training_data.records.store import RecordStore

    shipped = RecordStore(DEFAULT_STORE).records("ninapro", protocol="nb360-nb201-200ep")
    worse = RecordStore(tmp_path / "worse")
    worse.write_frozen(dataclasses.replace(r, score=r.score + 1000) for r in shipped)
    csv = tmp_path / "runs.csv"
    argv = ["simulate", "--task", "ninapro", "--table", "--optimizers", "random_search",
            "--budget", "10", "--seeds", "1", "--workers", "1", "--csv", str(csv)]
    assert main(argv + ["--store", str(worse.folder)]) == 0
    assert "ninapro/nb201 (table)" in capsys.readouterr().out
    runs = pd.read_csv(csv)
    assert len(runs) == 10 and (runs["incumbent_true"] > 1000).all()
    # a store of a few records holds a sample of the space: it is searched among its architectures
    assert main(argv + ["--store", str(records), "--budget", "30"]) == 0
    assert "holds 57 of the nb201 space's architectures: the optimizers search among them" in (
        capsys.readouterr().out)
    from graph_encodings import get_space
    from training_data import load_records

    nb201 = get_space("nb201")
    def hashes(texts: pd.Series) -> set[str]:
        return set(nb201.canonical_hash_many([nb201.parse(t) for t in texts]))

    assert hashes(pd.read_csv(csv)["arch"]) <= hashes(load_records(task="ninapro", store=records)["arch"])
    assert main(["simulate", "--task", "ecg", "--table", "--store", str(records)]) == 2
    assert "task 'ecg' matches no records; tasks present: ['ninapro']" in capsys.readouterr().err


def test_simulate_on_a_darts_table_searches_among_its_records(tmp_path, capsys) -> None:
    csv = tmp_path / "runs.csv"
    argv = ["simulate", "--task", "darcyflow", "--space", "darts", "--protocol", "darcyflow-cpu-v1",
            "--table", "--optimizers", "random_search", "regularized_evolution", "--budget", "40",
            "--seeds", "1", "--workers", "1", "--csv", str(csv)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "darcyflow table of darcyflow-cpu-v1 holds 1,002 of the darts space's architectures" in out
    runs = pd.read_csv(csv)
    assert runs.groupby("optimizer").size().eq(40).all()
    assert (runs["incumbent_true"] >= 0.084).all()  # no better than the best recorded score


def test_simulate_checks_output_paths_before_simulating(tmp_path, capsys, monkeypatch) -> None:
    import nas_optimizers

    monkeypatch.setattr(nas_optimizers, "simulate", lambda *a, **k: pytest.fail("simulated first"))
    (tmp_path / "file").write_text("")
    argv = ["simulate", "--task", "ninapro", "--optimizers", "random_search"]
    for option, message in [
        (["--plot", str(tmp_path / "file" / "x.png")], "cannot create its folder"),
        (["--plot", str(tmp_path / "x.jpg")], "--plot must be a .png file"),
        (["--csv", str(tmp_path)], "is a folder"),
    ]:
        assert main(argv + option) == 2
        assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["train", "--task", "ninapro", "--protocol", "ninapro-tiny-v1", "--arch", ARCH],
    ["collect", "--task", "ninapro", "--protocol", "ninapro-tiny-v1", "--n", "1"],
    ["query", "--task", "ninapro", "0"],
    ["fit", "--task", "ninapro"],
    ["evaluate", "--task", "ninapro"],
    ["data", "reproduce", "--task", "ninapro", "--protocol", "ninapro-tiny-v1"],
])
@pytest.mark.parametrize(("seed", "shown"), [("-3", "-3"), ("abc", "'abc'")])
def test_every_seed_option_refuses_what_is_not_an_integer_ge_0(argv, seed, shown, capsys) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv + ["--seed", seed])
    assert raised.value.code == 2
    assert f"argument --seed: seed must be an integer >= 0, got {shown}" in capsys.readouterr().err


def test_simulate_seeds_is_a_count(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--task", "ninapro", "--seeds", "-3"])
    assert "argument --seeds: must be an integer >= 1, got '-3'" in capsys.readouterr().err


def test_data_pack_prints_sizes_and_enforces_the_limit(tmp_path, capsys) -> None:
    root = tmp_path / "root"
    (root / "ucr_crop").mkdir(parents=True)
    rows = [f"{1 + i % 24}\t" + "\t".join(str(i + j) for j in range(46)) for i in range(48)]
    (root / "ucr_crop" / "Crop_TRAIN.tsv").write_text("\n".join(rows) + "\n")
    argv = ["data", "pack", "--tasks", "satellite", "darcyflow", "--data-root", str(root)]
    assert main(argv + ["--out", str(tmp_path / "pack")]) == 0
    out = capsys.readouterr().out
    size = (root / "ucr_crop" / "Crop_TRAIN.tsv").stat().st_size
    assert f"{size / 2**20:9.3f} MiB  ucr_crop/Crop_TRAIN.tsv  (satellite)" in out
    assert "total (2 files" in out and "nb360_pack.json" in out
    assert (tmp_path / "pack" / "ucr_crop" / "Crop_TRAIN.tsv").read_bytes() == (
        root / "ucr_crop" / "Crop_TRAIN.tsv").read_bytes()
    assert main(argv + ["--out", str(tmp_path / "small"), "--limit-mib", "0.001"]) == 2
    assert "over --limit-mib 0.001" in capsys.readouterr().err
    assert main(argv + ["--out", str(tmp_path / "pack")]) == 2  # not empty any more
    assert "not empty" in capsys.readouterr().err
    assert main(["data", "pack", "--tasks", "nope", "--out", str(tmp_path / "x")]) == 2
    assert "'nope'" in capsys.readouterr().err
    assert main(["data", "verify-pack", str(tmp_path / "pack")]) == 0
    assert "every file matches its manifest" in capsys.readouterr().out
    (tmp_path / "pack" / "ucr_crop" / "Crop_TRAIN.tsv").write_text("changed\n")
    assert main(["data", "verify-pack", str(tmp_path / "pack")]) == 2
    assert "Crop_TRAIN.tsv has 8 bytes; the manifest says" in capsys.readouterr().err


def test_benchmarks_lists_every_shipped_benchmark(capsys, tmp_path: Path) -> None:
    from surrogates.benchmark.artifact_folders import list_benchmarks
    from surrogates.benchmark.ship_table import table

    assert main(["benchmarks"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == table().strip()
    for space, task, protocol, _ in list_benchmarks():
        assert f"| {space} / {task} | `{protocol}` |" in out
    assert main(["benchmarks", "--artifacts", str(tmp_path)]) == 1
    assert f"no benchmarks under {tmp_path}" in capsys.readouterr().out
