"""The protocol registry and the Protocol dataclass."""
from __future__ import annotations

import dataclasses
import json

import pytest

from training_data.protocols import (
    ImportedProtocol,
    Protocol,
    get_protocol,
    list_protocols,
    network_family,
    training_protocol,
    training_protocol_for,
)
from training_data.tasks import get_task, list_tasks

TASKS_WITH_DATA = ("ecg", "satellite", "darcyflow")


def test_every_task_has_a_cpu_gpu_and_tiny_protocol() -> None:
    for task in list_tasks():
        for device_class in ("cpu", "gpu", "tiny"):
            names = list_protocols(task, device_class=device_class)
            assert names, f"{task} has no {device_class} protocol"
            assert all(get_protocol(n).tasks == (task,) for n in names)


def test_cpu_protocols_of_the_tasks_with_data() -> None:
    for task in TASKS_WITH_DATA:
        assert f"{task}-cpu-v1" in list_protocols(task)


def test_cpu_in_the_name_exactly_for_cpu_protocols() -> None:
    for name in list_protocols():
        assert ("-cpu-" in name) == (get_protocol(name).device_class == "cpu")


def test_nb201_cpu_protocols_train_nb201_cells_in_nb201s_network() -> None:
    from graph_encodings import get_space
    from training_data.evaluation import evaluate, network_settings

    names = [n for n in list_protocols(device_class="cpu") if "-nb201-cpu-" in n]
    assert "satellite-nb201-cpu-v1" in names
    for name in names:
        proto = get_protocol(name)
        assert proto.spaces == ("nb201",) and proto.stem_multiplier == 1, name
        assert proto.seed_policy == "per_architecture" and "NB201" in proto.description, name
        cells = network_settings(proto, get_space("nb201"))["layers"]
        assert f"N={cells} ({3 * cells} cells" in proto.description, (name, cells)
    with pytest.raises(ValueError, match=r"does not allow space 'darts'; valid: \['nb201'\]"):
        evaluate(get_space("darts").sample(0), "satellite", "satellite-nb201-cpu-v1", seed=0, n_threads=1)


def test_every_protocol_with_shipped_records_still_has_their_settings() -> None:
    """A protocol whose records ship never changes: each record's ``protocol_hash`` is the
    registry's (the NB201 CPU protocols take their settings from the v2 recipes, so a change
    there would show here)."""
    from training_data.records.loading import DEFAULT_STORE
    from training_data.records.store import RecordStore

    records = RecordStore(DEFAULT_STORE).records()
    shipped = {(r.protocol, (r.extra or {}).get("protocol_hash")) for r in records}
    trained = {(name, stored) for name, stored in shipped if stored is not None}
    assert {name for name, _ in trained} >= {"ecg-cpu-v1", "darcyflow-cpu-v2", "satellite-nb201-cpu-v1"}
    changed = {name: stored for name, stored in trained if get_protocol(name).hash() != stored}
    assert not changed, f"registered settings differ from the shipped records' for {sorted(changed)}"


def test_nb201_cpu_protocols_are_their_v2_recipe_in_nb201s_network() -> None:
    """Only the network and, where the description says so, the data an NB201 CPU protocol is
    scored on differ from its v2 recipe."""
    import dataclasses

    from training_data.protocols.registry import NB201_DATA_FIELDS

    network = {"C", "layers", "stem_multiplier", "spaces"}
    labels = {"name", "description", "version"}
    for name in list_protocols(device_class="cpu"):
        if "-nb201-cpu-" not in name:
            continue
        proto = dataclasses.asdict(get_protocol(name))
        v2 = dataclasses.asdict(get_protocol(name.replace("-nb201-cpu-v1", "-cpu-v2")))
        changed = {k for k in v2 if v2[k] != proto[k]}
        assert changed <= network | labels | NB201_DATA_FIELDS, (name, changed - network - labels)
        if changed & NB201_DATA_FIELDS:
            assert "split" in proto["description"] or "records" in proto["description"], name


def test_ecg_cpu_v3_is_the_ecg_nb201_recipe_in_a_shallow_darts_network() -> None:
    """ECG's DARTS v3 protocol trains DARTS cells on exactly the data, optimiser and scoring of
    ``ecg-nb201-cpu-v1``; only the network differs (C=8, 3 cells, stem 3C)."""
    import dataclasses

    v3 = dataclasses.asdict(get_protocol("ecg-cpu-v3"))
    nb201 = dataclasses.asdict(get_protocol("ecg-nb201-cpu-v1"))
    changed = {k for k in v3 if v3[k] != nb201[k]}
    assert changed == {"name", "description", "version", "C", "layers", "stem_multiplier", "spaces"}
    assert (v3["C"], v3["layers"], v3["stem_multiplier"], v3["spaces"]) == (8, 3, 3, ("darts",))
    assert v3["version"] == 3 and "ecg-cpu-v3" in list_protocols("ecg", "cpu")


def test_satellite_cpu_v3_is_its_v2_recipe_in_a_shallow_network_of_three_repeats() -> None:
    """Satellite's DARTS v3 protocol changes only the network depth (3 cells) and the repeats (each
    run the mean of 3 networks) of ``satellite-cpu-v2``; the screen ran exactly these settings."""
    import dataclasses

    v3 = dataclasses.asdict(get_protocol("satellite-cpu-v3"))
    v2 = dataclasses.asdict(get_protocol("satellite-cpu-v2"))
    changed = {k for k in v3 if v3[k] != v2[k]}
    assert changed == {"name", "description", "version", "layers", "repeats", "spaces"}
    assert (v3["C"], v3["layers"], v3["repeats"], v3["spaces"]) == (8, 3, 3, ("darts",))
    assert v3["seed_policy"] == "per_architecture" and "satellite-cpu-v3" in list_protocols("satellite", "cpu")


def test_ecg_nb201_scores_on_every_test_record_of_a_60_5_35_split() -> None:
    proto = get_protocol("ecg-nb201-cpu-v1")
    assert proto.n_test is None and proto.load_options["split"] == (0.6, 0.05, 0.35)
    assert "max_records" not in proto.load_options and "60/5/35" in proto.description


def test_an_nb201_protocol_may_change_only_its_data_besides_the_network() -> None:
    from training_data.protocols.registry import _in_nb201_network

    with pytest.raises(ValueError, match=r"changes only \['data_options', 'n_test', 'n_train', 'n_val'\].*\['epochs'\]"):
        _in_nb201_network("ecg", C=16, layers=2, epochs=3)


def test_list_protocols_filters_and_is_sorted() -> None:
    everything = list_protocols()
    assert everything == sorted(everything)
    assert set(list_protocols("ecg")) == {n for n in everything if "ecg" in get_protocol(n).tasks}


def test_unknown_protocol_names_the_value_and_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown protocol 'ecg-cpu-v99'.*ecg-cpu-v1"):
        get_protocol("ecg-cpu-v99")


def test_unknown_task_or_device_class_in_list_protocols() -> None:
    with pytest.raises(ValueError, match=r"unknown task 'mnist'.*ecg"):
        list_protocols("mnist")
    with pytest.raises(ValueError, match=r"unknown device class 'tpu'.*imported"):
        list_protocols(device_class="tpu")


def test_get_protocol_passes_a_protocol_object_through() -> None:
    proto = dataclasses.replace(get_protocol("ecg-tiny-v1"), lr=1.0)
    assert get_protocol(proto) is proto


@pytest.mark.parametrize("name", list_protocols())
def test_to_dict_round_trips_through_json(name: str) -> None:
    proto = get_protocol(name)
    again = type(proto).from_dict(json.loads(json.dumps(proto.to_dict())))
    assert again == proto
    assert again.hash() == proto.hash()
    assert again.description == proto.description


def test_descriptions_say_what_nb360_did_and_what_is_scaled() -> None:
    for name in list_protocols():
        text = get_protocol(name).description
        assert "NB360" in text and "Here:" in text, name


def test_the_nb201_tables_protocol_is_registered_and_cannot_be_trained() -> None:
    from training_data.records.nb201_import import PROTOCOL, PROTOCOL_VERSION

    proto = get_protocol(PROTOCOL)
    assert isinstance(proto, ImportedProtocol) and proto.version == PROTOCOL_VERSION
    assert proto.tasks == ("cifar100", "darcyflow", "ninapro") and proto.spaces == ("nb201",)
    assert (proto.epochs, proto.C, proto.layers) == (200, 16, 5)
    assert "200 epochs" in proto.description and proto.seed_policy == "imported"
    for task in proto.tasks:
        assert PROTOCOL in list_protocols(task)
    assert PROTOCOL not in list_protocols("ecg")
    assert list_protocols(device_class="imported") == [PROTOCOL]
    with pytest.raises(ValueError, match=r"protocol 'nb360-nb201-200ep' cannot be trained here.*"
                                         r"nb201_import.*list_protocols\(task\)"):
        training_protocol(PROTOCOL)
    assert training_protocol("ecg-cpu-v1") is get_protocol("ecg-cpu-v1")


def test_training_protocol_for_names_the_protocol_and_the_task() -> None:
    assert training_protocol_for("ecg-cpu-v1", "ecg") is get_protocol("ecg-cpu-v1")
    with pytest.raises(ValueError, match=r"^protocol 'ecg-cpu-v1' trains \['ecg'\], not task 'psicov'$"):
        training_protocol_for("ecg-cpu-v1", "psicov")
    with pytest.raises(ValueError, match=r"^proxy_protocol 'ecg-cpu-v1' trains \['ecg'\], not proxy_task 'x'$"):
        training_protocol_for("ecg-cpu-v1", "x", label="proxy_protocol", task_label="proxy_task")
    with pytest.raises(ValueError, match="cannot be trained here"):
        training_protocol_for("nb360-nb201-200ep", "darcyflow")


def test_hash_follows_settings_not_description() -> None:
    proto = get_protocol("satellite-cpu-v1")
    assert dataclasses.replace(proto, description="other words").hash() == proto.hash()
    assert dataclasses.replace(proto, lr=proto.lr * 2).hash() != proto.hash()
    assert len({get_protocol(n).hash() for n in list_protocols()}) == len(list_protocols())


def test_data_options_are_order_independent() -> None:
    base = get_protocol("ecg-tiny-v1")
    a = dataclasses.replace(base, data_options=(("b", 1), ("a", 2)))
    b = dataclasses.replace(base, data_options=(("a", 2), ("b", 1)))
    assert a == b and a.hash() == b.hash()
    assert a.load_options == {"a": 2, "b": 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "ecg-cpu-v2"}, r"'ecg-cpu-v2'.*'-v1'"),
        ({"name": "ECG cpu"}, r"'ECG cpu'"),
        ({"optimizer": "lbfgs"}, r"optimizer='lbfgs'.*sgd"),
        ({"schedule": "step"}, r"schedule='step'"),
        ({"augmentation": "mixup"}, r"augmentation='mixup'"),
        ({"spaces": ("darts", "nb101")}, r"spaces='nb101'"),
        ({"epochs": 0}, r"epochs=0"),
        ({"lr": -1.0}, r"lr=-1.0"),
        ({"n_train": 0}, r"n_train=0"),
        ({"drop_path_prob": 1.0}, r"drop_path_prob=1.0"),
        ({"weight_decay": -0.1}, r"weight_decay=-0.1"),
        ({"amp_dtype": "fp8"}, r"amp_dtype='fp8'"),
    ],
)
def test_bad_settings_raise_naming_the_field(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(get_protocol("ecg-cpu-v1"), **change)


def test_from_dict_rejects_unknown_fields() -> None:
    data = get_protocol("ecg-cpu-v1").to_dict() | {"warmup": 5}
    with pytest.raises(ValueError, match=r"unknown protocol fields \['warmup'\]"):
        Protocol.from_dict(data)


def test_network_family_follows_the_rank_of_a_point_protocols_inputs() -> None:
    ninapro, darcy = get_task("ninapro"), get_task("darcyflow")
    v2 = get_protocol("ninapro-cpu-v2")
    assert network_family(v2, ninapro) == "point2d"  # input_shape (1, 8, 52)
    assert network_family(get_protocol("ninapro-cpu-v1"), ninapro) == "point2d"  # the task's shape
    assert network_family(dataclasses.replace(v2, input_shape=(8, 52)), ninapro) == "point1d"
    assert network_family(get_protocol("darcyflow-cpu-v2"), darcy) == "dense2d"
    with pytest.raises(ValueError, match=r"'ninapro-cpu-v2'.*input_shape=\(8, 4, 4, 52\).*3 spatial.*\[1, 2\]"):
        network_family(dataclasses.replace(v2, input_shape=(8, 4, 4, 52)), ninapro)
