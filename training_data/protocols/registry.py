"""The registered protocols: a ``cpu``, a ``gpu`` and a ``tiny`` (tests only) recipe per task,
and the ``imported`` protocol of NB360's NB201 tables (described, not trainable here).

Every recipe starts from NB360's DARTS evaluation settings (the GAEA ``eval`` configurations of
rtu715/NAS-Bench-360: SGD momentum 0.9, lr 0.025, weight decay 3e-4, cosine schedule to 0,
gradient clipping at L2 norm 5, drop-path 0.3, 20 cells of 36 initial channels, 150 epochs)
and scales it down; each protocol's ``description`` says what NB360 did and what is scaled.
Changing a registered protocol's settings is forbidden: add a new version instead.

The protocols are tables below (task -> what is scaled, settings); :func:`_add` turns an entry
into the protocol ``<task>-<device class>-v1`` (``<task>-nb201-cpu-v1``: NB201-space CPU protocols).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from graph_encodings.registry import Registry, UnknownNameError
from training_data.protocols.protocol import DEVICE_CLASSES, ImportedProtocol, Protocol

NB360_COMMON = (
    "NB360 DARTS eval: SGD(momentum 0.9, lr 0.025, wd 3e-4), cosine to 0, grad clip 5, "
    "drop-path 0.3, C={C}, 20 cells, {epochs} epochs, batch {batch}, {data}."
)


@dataclass(frozen=True)
class _NB360Recipe:
    """What NB360 used for a task (from its eval configuration files)."""

    batch: int
    data: str
    C: int = 36
    epochs: int = 150


NB360: dict[str, _NB360Recipe] = {
    "cifar100": _NB360Recipe(128, "50k train images, crop+flip augmentation", epochs=600),
    "spherical": _NB360Recipe(64, "50k train images"),
    "ninapro": _NB360Recipe(128, "3,297 train samples"),
    "fsd50k": _NB360Recipe(32, "40,966 train chunks", C=16),
    "darcyflow": _NB360Recipe(4, "1,000 train grids at 85x85, Gaussian-normalised"),
    "psicov": _NB360Recipe(4, "3,456 train crops"),
    "cosmic": _NB360Recipe(4, "4,347 train images"),
    "ecg": _NB360Recipe(64, "295,021 train windows"),
    "satellite": _NB360Recipe(1024, "900,000 train series"),
    "deepsea": _NB360Recipe(64, "71,753 train sequences"),
}

# One table entry: (what is scaled relative to NB360, in words; the Protocol settings).
_Entry = tuple[str, dict[str, Any]]



def _distinct_settings(protocol: Protocol | ImportedProtocol) -> dict[str, Any]:
    """The settings that make ``protocol`` (for a :class:`Protocol`: those off the defaults)."""
    defaults = {f.name: f.default for f in dataclasses.fields(protocol)
                if f.default is not dataclasses.MISSING}
    return {k: v for k, v in protocol.to_dict().items()
            if k not in ("name", "description") and (k not in defaults or v != defaults[k]
                                                      or isinstance(protocol, ImportedProtocol))}


def _describe(name: str, protocol: Protocol | ImportedProtocol) -> str:
    settings = ", ".join(f"{k}={v!r}" for k, v in _distinct_settings(protocol).items())
    return f"{name} ({protocol.device_class}): {protocol.description} Settings: {settings}"


_REGISTRY: Registry[Protocol | ImportedProtocol] = Registry("protocol", describe=_describe)
LISTED_DEVICE_CLASSES = (*DEVICE_CLASSES, ImportedProtocol.device_class)


def _add(task: str, device_class: str, scaled: str, settings: dict[str, Any], version: int = 1,
         family: str | None = None, nb360: str | None = None) -> None:
    """Register ``<task>-<family>-v<version>`` (family default: the device class); its description
    is NB360's recipe (default: its DARTS evaluation of the task), then ``scaled``."""
    if nb360 is None:
        recipe = NB360[task]
        nb360 = NB360_COMMON.format(C=recipe.C, epochs=recipe.epochs, batch=recipe.batch, data=recipe.data)
    protocol = Protocol(
        name=f"{task}-{family or device_class}-v{version}", task=task, device_class=device_class,
        version=version, description=f"{nb360} Here: {scaled}", **settings,
    )
    _REGISTRY.add(protocol.name, protocol)


# --- CPU protocols of the tasks with data here (measured; see benchmarks/bench_evaluate_cpu.py).
# In a few epochs AdamW gets much further than NB360's SGD (measured on ECG: 0.58 vs 0.64 error).
_CPU_OPT = dict(optimizer="adamw", lr=3e-3, weight_decay=1e-2)
_CPU_OPT_NOTE = "AdamW (lr 3e-3, wd 1e-2) instead of SGD: it learns far more in a few epochs"
_CPU_TIMED_PROTOCOLS: dict[str, _Entry] = {
    "ecg": (
        f"C=4, 4 cells, 4 epochs, {_CPU_OPT_NOTE}, no drop-path; 1,500 of the 8,528 records "
        "(seeded), 1,600 random train windows; val/test: whole records (150 each) with 4 evenly "
        "spaced windows per record in the majority vote (NB360 votes over every window). "
        "Measured: median 29 s per architecture on 1 CPU thread.",
        dict(epochs=4, C=4, layers=4, batch_size=64, n_train=1600, n_val=600, n_test=600,
             group_cap=4, data_options=(("max_records", 1500),), **_CPU_OPT),
    ),
    "satellite": (
        f"C=8, 5 cells, 8 epochs, batch 64, {_CPU_OPT_NOTE}, no drop-path; all of UCR Crop (7,200 "
        "series, a real subsample of NB360's 1M; 60/20/20 split). Measured: median 31 s per "
        "architecture on 1 CPU thread.",
        dict(epochs=8, C=8, layers=5, batch_size=64, **_CPU_OPT),
    ),
    "darcyflow": (
        "C=4, 3 cells, 5 epochs, batch 8, AdamW (lr 3e-3, wd 1e-4; FNO trains Darcy with Adam) "
        "instead of SGD, no drop-path; 200 train / 50 val / 50 test generated grids at 85x85, "
        "Gaussian-normalised as NB360. Measured: median 32 s per architecture on 1 CPU thread.",
        dict(epochs=5, C=4, layers=3, batch_size=8, optimizer="adamw", lr=3e-3, weight_decay=1e-4,
             data_options=(("n_train", 200), ("n_val", 50), ("n_test", 50))),
    ),
}

# --- CPU protocols of the tasks without data here (same scaling idea; not timed on this machine)
_CPU_UNTIMED_NOTE = "Not timed here (no data on this machine): sized like the timed CPU protocols."
_CPU_UNTIMED_PROTOCOLS: dict[str, _Entry] = {
    "cifar100": ("C=8, 5 cells, 4 epochs, lr 0.05, 5,000/1,000/1,000 images, crop+flip.",
                 dict(epochs=4, C=8, layers=5, batch_size=64, lr=0.05, n_train=5000, n_val=1000,
                      n_test=1000, augmentation="crop_flip")),
    "spherical": ("C=8, 5 cells, 4 epochs, lr 0.05, 3,000/1,000/1,000 images.",
                  dict(epochs=4, C=8, layers=5, batch_size=64, lr=0.05, n_train=3000, n_val=1000,
                       n_test=1000)),
    "ninapro": ("C=8, 5 cells, 10 epochs, lr 0.05, all 3,297 train samples.",
                dict(epochs=10, C=8, layers=5, batch_size=64, lr=0.05)),
    "fsd50k": ("C=8, 5 cells, 3 epochs, lr 0.05, 4,000 train chunks, 1,000 val/test chunks "
               "(whole clips).",
               dict(epochs=3, C=8, layers=5, batch_size=32, lr=0.05, n_train=4000, n_val=1000,
                    n_test=1000)),
    "psicov": ("C=4, 3 cells, 3 epochs, 200 train crops, 20 val/test maps.",
               dict(epochs=3, C=4, layers=3, batch_size=4, lr=0.025, n_train=200, n_val=20,
                    n_test=20)),
    "cosmic": ("C=4, 3 cells, 3 epochs, 200/50/50 images.",
               dict(epochs=3, C=4, layers=3, batch_size=4, lr=0.025, n_train=200, n_val=50,
                    n_test=50)),
    "deepsea": ("C=8, 5 cells, 3 epochs, lr 0.05, 5,000/1,000/1,000 sequences.",
                dict(epochs=3, C=8, layers=5, batch_size=64, lr=0.05, n_train=5000, n_val=1000,
                     n_test=1000)),
}

# --- GPU protocols (one H100 shared by several evaluations at once; bf16 autocast)
_GPU = dict(amp=True, amp_dtype="bf16", deterministic=False, drop_path_prob=0.2, eval_batch_size=512)
_GPU_NOTE = ("bf16 autocast, cudnn.benchmark on (not bitwise reproducible); sized so several "
             "evaluations share one H100.")
_GPU_PROTOCOLS: dict[str, _Entry] = {
    "ecg": ("C=16, 8 cells, 20 epochs, batch 256 (lr 0.1, linear scaling), drop-path 0.2, 60,000 "
            "train windows of all records, 10,000 val windows (whole records), the full test "
            "split.",
            dict(epochs=20, C=16, layers=8, batch_size=256, lr=0.1, n_train=60000, n_val=10000,
                 n_test=None)),
    "satellite": ("C=24, 8 cells, 50 epochs, batch 256 (lr 0.1), drop-path 0.2, every series.",
                  dict(epochs=50, C=24, layers=8, batch_size=256, lr=0.1)),
    "darcyflow": ("C=16, 6 cells, 40 epochs, batch 16 (lr 0.05), drop-path 0.2, 1,000 train / "
                  "100 val / 100 test grids at 85x85.",
                  dict(epochs=40, C=16, layers=6, batch_size=16, lr=0.05, n_train=1000, n_val=100,
                       n_test=100)),
    "cifar100": ("C=16, 8 cells, 50 epochs, batch 256 (lr 0.1), drop-path 0.2, all data, crop+flip.",
                 dict(epochs=50, C=16, layers=8, batch_size=256, lr=0.1, augmentation="crop_flip")),
    "spherical": ("C=16, 8 cells, 50 epochs, batch 256 (lr 0.1), drop-path 0.2, all data.",
                  dict(epochs=50, C=16, layers=8, batch_size=256, lr=0.1)),
    "ninapro": ("C=16, 8 cells, 100 epochs, batch 128 (lr 0.05), drop-path 0.2, all data.",
                dict(epochs=100, C=16, layers=8, batch_size=128, lr=0.05)),
    "fsd50k": ("C=16 (as NB360), 8 cells, 30 epochs, batch 128 (lr 0.1), drop-path 0.2, all data.",
               dict(epochs=30, C=16, layers=8, batch_size=128, lr=0.1)),
    "psicov": ("C=12, 6 cells, 20 epochs, batch 8, drop-path 0.2, 2,000 train crops.",
               dict(epochs=20, C=12, layers=6, batch_size=8, lr=0.025, n_train=2000)),
    "cosmic": ("C=12, 6 cells, 20 epochs, batch 8, drop-path 0.2, all data.",
               dict(epochs=20, C=12, layers=6, batch_size=8, lr=0.025)),
    "deepsea": ("C=16, 8 cells, 20 epochs, batch 256 (lr 0.1), drop-path 0.2, all data.",
                dict(epochs=20, C=16, layers=8, batch_size=256, lr=0.1)),
}

# --- tiny protocols (tests): a seconds-long smoke test (1 epoch, a few samples), not for data;
# they load little data where the loader can.
_TINY = dict(epochs=1, C=4, layers=3, batch_size=8, lr=0.025, n_train=24, n_val=12, n_test=12,
             eval_batch_size=64)
_TINY_NOTE = "1 epoch on a few samples; a smoke test, its scores mean nothing."
_TINY_DATA: dict[str, dict[str, Any]] = {
    "ecg": {"data_options": (("max_records", 60),)},
    "darcyflow": {"data_options": (("n_train", 24), ("n_val", 12), ("n_test", 12))},
}

# --- v2: stand-in data of the tasks whose NB360 files are not here, and independent seeds.
# Myo-armband sEMG for NinaPro (8 electrodes, 7 gestures) and the 150 PSICOV proteins with
# one-hot(i), one-hot(j), APC and sequence-separation channels; shapes differ from NB360's.
_STAND_INS: dict[str, dict[str, Any]] = {
    "ninapro": dict(input_shape=(1, 8, 52), n_outputs=7, data_options=(("source", "myo-armband"),)),
    "psicov": dict(input_shape=(44, 32, 32),
                   data_options=(("source", "psicov150"), ("crop", 32), ("crops_per_protein", 8))),
}
_V2 = dict(seed_policy="per_architecture")
# --- v2 CPU protocols: chosen by measured architecture share per CPU-second
# (benchmarks/bench_protocol_signal.py; every candidate measured is in docs/protocols.md). A v2
# recipe is a candidate until records under it ship: a candidate that fails the screen is
# replaced here (its screen stays in docs/protocol_signal/); one whose records ship is frozen.
# The NB201 CPU protocols below take their settings from these recipes, so the recipes of
# Satellite and NinaPro are frozen with those protocols' records too.
_V2_NOTE = ("Seeds per architecture (no two architectures share initialisation or batch order); "
            "the scored network is an exponential moving average of the weights")
_CPU_V2_PROTOCOLS: dict[str, _Entry] = {
    "ecg": (
        f"windows averaged over 4 samples (1x250 at 75 Hz instead of 1x1000 at 300 Hz), C=4, 4 "
        f"cells, 10 epochs, {_CPU_OPT_NOTE}, no drop-path; 6,000 of the 8,528 records (seeded), "
        "3,200 random train windows; val 600 windows (150 records) and test 2,400 windows (600 "
        "whole records, 4 evenly spaced windows each in the vote). "
        f"{_V2_NOTE} (decay 0.98 per step).",
        dict(epochs=10, C=4, layers=4, batch_size=64, n_train=3200, n_val=600, n_test=2400,
             group_cap=4, input_shape=(1, 250), data_options=(("downsample", 4), ("max_records", 6000)),
             weight_averaging=0.98, **_CPU_OPT, **_V2),
    ),
    "satellite": (
        f"C=8, 5 cells, 8 epochs, batch 64, {_CPU_OPT_NOTE}, no drop-path; all of UCR Crop (7,200 "
        f"series; 60/20/20 split). {_V2_NOTE} (decay 0.99 per step).",
        dict(epochs=8, C=8, layers=5, batch_size=64, weight_averaging=0.99, **_CPU_OPT, **_V2),
    ),
    "darcyflow": (
        "C=4, 3 cells, 5 epochs, batch 8, AdamW (lr 3e-3, wd 1e-4) instead of SGD, no drop-path; "
        "200 train / 50 val / 50 test generated grids at 85x85, Gaussian-normalised as NB360. "
        f"{_V2_NOTE} (decay 0.95 per step).",
        dict(epochs=5, C=4, layers=3, batch_size=8, optimizer="adamw", lr=3e-3, weight_decay=1e-4,
             data_options=(("n_train", 200), ("n_val", 50), ("n_test", 50)), weight_averaging=0.95, **_V2),
    ),
    "ninapro": (
        f"Myo-armband sEMG stand-in (1x8x52 windows, 7 gestures; split by repetition), C=4, 4 cells, "
        f"4 epochs, batch 64, {_CPU_OPT_NOTE}, no drop-path; 6,000 random train windows, val "
        f"~1,000 windows of whole recordings, test every window of the test repetition (cycle 3). "
        f"{_V2_NOTE} (decay 0.98 per step).",
        dict(epochs=4, C=4, layers=4, batch_size=64, n_train=6000, n_val=1000,
             weight_averaging=0.98, **_CPU_OPT, **_STAND_INS["ninapro"], **_V2),
    ),
    "psicov": (
        "150 PSICOV proteins stand-in (44 channels: one-hot(i), one-hot(j), GREMLIN APC, sequence "
        "separation; split by protein 98/25/25), C=4, 3 cells, 6 epochs, batch 16, SGD as NB360 "
        "(lr 0.025); all ~780 random 32x32 train crops (8 per protein), full maps of 10 val / 25 "
        f"test proteins for MAE8. {_V2_NOTE} (decay 0.95 per step).",
        dict(epochs=6, C=4, layers=3, batch_size=16, lr=0.025, n_val=10, eval_batch_size=4,
             weight_averaging=0.95, **_STAND_INS["psicov"], **_V2),
    ),
}

# --- NB201-space CPU protocols (``<task>-nb201-cpu-v1``): NB201's network (a stem of C channels,
# three stages of N cells with C, 2C, 4C channels, residual reduction blocks between them) trains
# NB201 cells only. Chosen by the same measurement as v2 (docs/protocols.md): where random DARTS
# cells score alike at a CPU minute, NB201's cells (pooling-only, skip-only and sparse cells
# among them) differ by far more than seeds do.
_NB201_NB360 = ("NB360 NB201 tables: NB201's network (C=16, N=5 cells per stage), 200 epochs, every "
                "one of the 15,625 cells.")


# What an NB201 CPU protocol may change of its v2 recipe besides the network: which data it
# scores on (its description says how).
NB201_DATA_FIELDS = frozenset({"data_options", "n_train", "n_val", "n_test"})


def _in_nb201_network(task: str, C: int, layers: int, **data: Any) -> dict[str, Any]:
    """``task``'s v2 recipe (data, optimiser, epochs, weight average, seeds) in NB201's network
    (N = max(1, layers // 3) cells per stage: ``training_data.evaluation.network_settings``),
    with the data fields ``data`` (:data:`NB201_DATA_FIELDS`) changed."""
    if not set(data) <= NB201_DATA_FIELDS:
        raise ValueError(f"an NB201 CPU protocol changes only {sorted(NB201_DATA_FIELDS)} of its v2 "
                         f"recipe, not {sorted(set(data) - NB201_DATA_FIELDS)}")
    return {**_CPU_V2_PROTOCOLS[task][1], "C": C, "layers": layers, "stem_multiplier": 1,
            "spaces": ("nb201",), **data}


_CPU_NB201_PROTOCOLS: dict[str, _Entry] = {
    "ecg": (
        "NB201 network with C=16, N=1 (3 cells), on ecg-cpu-v2's inputs (windows averaged over 4 "
        "samples: 1x250 at 75 Hz), 3,200 random train windows, 10 epochs, batch 64, "
        f"{_CPU_OPT_NOTE}; every one of the 8,528 records, split 60/5/35 by record (NB360: 80/10/10) "
        "so that a run is scored on all 2,986 test records (4 evenly spaced windows each in the "
        "vote; 99 of the rare noise class instead of 26), val 600 windows (150 records). "
        f"{_V2_NOTE} (decay 0.98 per step).",
        _in_nb201_network("ecg", C=16, layers=2, n_test=None,
                          data_options=(("downsample", 4), ("split", (0.6, 0.05, 0.35)))),
    ),
    "satellite": (
        f"NB201 network with C=16, N=1 (3 cells; its layers=2 gives N = max(1, layers // 3)), 8 "
        f"epochs, batch 64, {_CPU_OPT_NOTE}; all of UCR "
        f"Crop (7,200 series; 60/20/20 split). {_V2_NOTE} (decay 0.99 per step).",
        _in_nb201_network("satellite", C=16, layers=2),
    ),
    "ninapro": (
        f"NB201 network with C=16, N=1 (3 cells), on ninapro-cpu-v2's data: Myo-armband sEMG stand-in "
        f"(1x8x52 windows, 7 gestures; split by repetition), 6,000 random train windows, val ~1,000 "
        f"windows of whole recordings, test every window of the test repetition (cycle 3); 4 epochs, "
        f"batch 64, {_CPU_OPT_NOTE}. {_V2_NOTE} (decay 0.98 per step).",
        _in_nb201_network("ninapro", C=16, layers=1),
    ),
}

# --- v3 CPU protocols: a DARTS recipe for a task whose v2 recipe is frozen (its records, or an
# NB201 protocol built on it, ship) and failed its screen. ECG: the NB201 protocol's data and
# scoring (every record, the test vote over all 2,986 test records) in a shallow, wider DARTS
# network, where random DARTS cells differ by more than their seeds. Satellite: its v2 recipe in
# the shallow network, each run the mean of 3 networks, which halves the seed noise at a CPU minute.
# NinaPro: its v2 recipe with the Myo electrodes as the channels of a 1D signal (a 1D network costs
# a third of the 2D one's CPU), in the shallow network, each run the mean of 3 networks
# (docs/protocols.md).
_CPU_V3_PROTOCOLS: dict[str, _Entry] = {
    "ecg": (
        "C=8, 3 cells (normal, reduction, reduction), stem 3C, on ecg-nb201-cpu-v1's data: windows "
        "averaged over 4 samples (1x250 at 75 Hz), 3,200 random train windows, 10 epochs, batch 64, "
        f"{_CPU_OPT_NOTE}, no drop-path; every one of the 8,528 records, split 60/5/35 by record so "
        "that a run is scored on all 2,986 test records (4 evenly spaced windows each in the vote), "
        f"val 600 windows (150 records). {_V2_NOTE} (decay 0.98 per step).",
        {**_CPU_NB201_PROTOCOLS["ecg"][1], "C": 8, "layers": 3, "stem_multiplier": 3, "spaces": ("darts",)},
    ),
    "satellite": (
        "satellite-cpu-v2's recipe (AdamW, 8 epochs, batch 64, EMA 0.99, all of UCR Crop, 60/20/20) in "
        "a shallow network: C=8, 3 cells (normal, reduction, reduction), stem 3C; each run trains 3 "
        "networks of the architecture from independent streams and scores their mean test error "
        "(repeats=3), which a single network of this size leaves to its seed.",
        {**_CPU_V2_PROTOCOLS["satellite"][1], "layers": 3, "repeats": 3, "spaces": ("darts",)},
    ),
    "ninapro": (
        "ninapro-cpu-v2's recipe (Myo-armband sEMG stand-in split by repetition, 6,000 random train "
        f"windows x 4 epochs, batch 64, {_CPU_OPT_NOTE}, test every window of cycle 3) with "
        "the 8 electrodes as the channels of a 1D signal (8x52 windows, layout=channels; a 1D network) "
        "in a shallow network: C=8, 3 cells (normal, reduction, reduction), stem 3C; each run trains 3 "
        "networks of the architecture from independent streams and scores their mean test error "
        f"(repeats=3). {_V2_NOTE} (decay 0.98 per step).",
        {**_CPU_V2_PROTOCOLS["ninapro"][1], "input_shape": (8, 52),
         "data_options": (("source", "myo-armband"), ("layout", "channels")),
         "C": 8, "layers": 3, "stem_multiplier": 3, "repeats": 3, "spaces": ("darts",)},
    ),
}

_TINY_V2_NOTE = ("1 epoch on a few samples of the v2 data, seeds per architecture; a smoke test, its "
                 "scores mean nothing.")
_TINY_V2_DATA: dict[str, dict[str, Any]] = {
    "ninapro": _STAND_INS["ninapro"],
    "psicov": {**_STAND_INS["psicov"], "n_train": 8, "n_val": 2, "n_test": 2},
}

for _task, (_scaled, _settings) in _CPU_TIMED_PROTOCOLS.items():
    _add(_task, "cpu", _scaled, _settings)
for _task, (_scaled, _settings) in _CPU_UNTIMED_PROTOCOLS.items():
    _add(_task, "cpu", f"{_scaled} {_CPU_UNTIMED_NOTE}", _settings)
for _task, (_scaled, _settings) in _GPU_PROTOCOLS.items():
    _add(_task, "gpu", f"{_scaled} {_GPU_NOTE}", {**_GPU, **_settings})
for _task in NB360:
    _add(_task, "tiny", _TINY_NOTE, {**_TINY, **_TINY_DATA.get(_task, {})})
for _task, (_scaled, _settings) in _CPU_V2_PROTOCOLS.items():
    _add(_task, "cpu", _scaled, _settings, version=2)
for _task, (_scaled, _settings) in _CPU_NB201_PROTOCOLS.items():
    _add(_task, "cpu", _scaled, _settings, family="nb201-cpu", nb360=_NB201_NB360)
for _task, (_scaled, _settings) in _CPU_V3_PROTOCOLS.items():
    _add(_task, "cpu", _scaled, _settings, version=3)
for _task in ("ecg", "satellite", "darcyflow", "ninapro", "psicov"):
    _add(_task, "tiny", _TINY_V2_NOTE, {**_TINY, **_TINY_DATA.get(_task, {}), **_TINY_V2_DATA.get(_task, {}), **_V2},
         version=2)


# --- imported: runs made elsewhere, shipped as records; described here, not trainable here.
_REGISTRY.add("nb360-nb201-200ep", ImportedProtocol(
    name="nb360-nb201-200ep", tasks=("cifar100", "darcyflow", "ninapro"), spaces=("nb201",),
    epochs=200, C=16, layers=5, imported_by="training_data.records.nb201_import",
    description=(
        "NB360's NB201-space tables: every one of the 15,625 NB201 cells trained 200 epochs by the "
        "NB360 authors (seed 777) in NB201's own network (C=16, N=5 cells per stage) on NinaPro, "
        "Darcy Flow and CIFAR-100. Here: not trained; the tables ship as imported records."
    ),
))


def get_protocol(name: str | Protocol | ImportedProtocol) -> Protocol | ImportedProtocol:
    """The registered protocol ``name`` (a protocol object is returned unchanged).

    Imported protocols (:class:`ImportedProtocol`) describe records made elsewhere; code that
    trains asks :func:`training_protocol` instead.
    """
    if isinstance(name, (Protocol, ImportedProtocol)):
        return name
    return _REGISTRY.get(name)


def describe_protocol(name: str) -> str:
    """What protocol ``name`` is (NB360's recipe and what is scaled) and its settings."""
    return _REGISTRY.describe(name)


def training_protocol(name: str | Protocol | ImportedProtocol) -> Protocol:
    """:func:`get_protocol` for training: ``ValueError`` saying so for a protocol that cannot be
    trained here (an imported one)."""
    protocol = get_protocol(name)
    if isinstance(protocol, ImportedProtocol):
        raise protocol.not_trainable()
    return protocol


def training_protocol_for(name: str | Protocol | ImportedProtocol, task: str, *,
                          label: str = "protocol", task_label: str = "task") -> Protocol:
    """:func:`training_protocol` that trains ``task``: ``ValueError`` naming both otherwise
    (``label`` / ``task_label`` are the argument names the message prints)."""
    protocol = training_protocol(name)
    if task not in protocol.tasks:
        raise ValueError(f"{label} {protocol.name!r} trains {list(protocol.tasks)}, not {task_label} {task!r}")
    return protocol


def list_protocols(task: str | None = None, device_class: str | None = None) -> list[str]:
    """Names of the registered protocols, optionally only those of ``task`` / ``device_class``
    (``cpu``, ``gpu``, ``tiny`` or ``imported``)."""
    if task is not None and task not in NB360:
        raise UnknownNameError("task", task, list(NB360))
    if device_class is not None and device_class not in LISTED_DEVICE_CLASSES:
        raise UnknownNameError("device class", device_class, LISTED_DEVICE_CLASSES)
    return [
        name
        for name, p in _REGISTRY.items()
        if (task is None or task in p.tasks) and (device_class is None or p.device_class == device_class)
    ]
