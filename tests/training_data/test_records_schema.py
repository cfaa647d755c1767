"""The record schema: round trips, validation errors naming field and value, provenance."""
from __future__ import annotations

import json
import re
from importlib import metadata

import pytest

from training_data.records.provenance import git_sha, package_version, utc_now_iso
from training_data.records.schema import FIELD_NAMES, REQUIRED_FIELDS, Record
from training_data.records.synthetic import synthetic_record


def test_round_trip_through_json_is_exact():
    record = synthetic_record(7, curve_epochs=3)
    text = json.dumps(record.to_dict(), allow_nan=False)
    again = Record.from_dict(json.loads(text))
    assert again == record
    assert again.learning_curve[2] == {
        "epoch": 3, "train_loss": 0.25, "val_score": 50.0 - 3 / 4, "seconds": 1.25
    }


def test_to_dict_omits_optional_defaults_and_from_dict_restores_them():
    record = Record(space="nb201", arch="a", arch_hash="0" * 32, task="ecg", protocol="p",
                    protocol_version=1, seed=0, status="failed", message="out of memory")
    data = record.to_dict()
    assert set(data) == set(REQUIRED_FIELDS) | {"message"}
    again = Record.from_dict(data)
    assert again == record
    assert again.score is None and again.learning_curve == [] and again.extra == {}


def test_key_is_hash_task_protocol_seed_run_id():
    record = synthetic_record(3, run_id="42")
    assert record.key == (record.arch_hash, "ecg", "synthetic-v1", 0, "42")
    assert synthetic_record(3).key[-1] == ""


def test_from_dict_rejects_unknown_and_missing_fields():
    data = synthetic_record(1).to_dict()
    with pytest.raises(ValueError, match=r"unknown record field\(s\) \['colour'\]"):
        Record.from_dict({**data, "colour": "red"})
    del data["seed"]
    with pytest.raises(ValueError, match=r"missing required field\(s\) \['seed'\]"):
        Record.from_dict(data)
    with pytest.raises(ValueError, match="must be a JSON object"):
        Record.from_dict([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "pattern"),
    [
        ("status", "crashed", r"'status'.*'ok', 'diverged', 'failed'.*'crashed'"),
        ("seed", "1", r"'seed': expected an int, got '1'"),
        ("seed", True, r"'seed': expected an int, got True"),
        ("protocol_version", 1.0, r"'protocol_version'.*1\.0"),
        ("score", float("nan"), r"'score'.*finite.*nan"),
        ("score", "0.5", r"'score': expected a number or None, got '0.5'"),
        ("flops", float("inf"), r"'flops'.*finite"),
        ("params", 1.5, r"'params': expected an int or None, got 1.5"),
        ("arch_hash", "XYZ", r"'arch_hash'.*32 lowercase hex.*'XYZ'"),
        ("arch", "", r"'arch': expected a non-empty str"),
        ("device", None, r"'device': expected a str, got None"),
        ("timestamp", "yesterday", r"'timestamp'.*ISO 8601.*'yesterday'"),
        ("timestamp", "2024-01-01T00:00:00+02:00", r"'timestamp'.*UTC"),
        ("learning_curve", {"epoch": 1}, r"'learning_curve': expected a list"),
        ("learning_curve", [{"epoch": "1"}], r"'learning_curve\[0\]\.epoch': expected an int"),
        ("learning_curve", [{"epoch": 1, "train_loss": float("nan")}],
         r"'learning_curve\[0\]\.train_loss'.*finite"),
        ("extra", [1], r"'extra': expected a dict"),
        ("extra", {"when": {1, 2}}, r"'extra\.when': expected JSON data"),
        ("extra", {"deep": {"x": float("inf")}}, r"'extra\.deep\.x'.*finite"),
    ],
)
def test_bad_values_raise_value_error_naming_field_and_value(field, value, pattern):
    data = synthetic_record(1, curve_epochs=1).to_dict()
    data[field] = value
    with pytest.raises(ValueError, match=pattern):
        Record.from_dict(data)


def test_status_rules():
    with pytest.raises(ValueError, match="'score': expected a number when status is 'ok'"):
        synthetic_record(1, score=None)
    with pytest.raises(ValueError, match="'message'.*non-empty explanation.*'diverged'"):
        synthetic_record(1, status="diverged", score=None)
    diverged = synthetic_record(1, status="diverged", score=None, message="loss became nan")
    assert diverged.status == "diverged"


def test_every_field_survives_json_with_sorted_keys():
    data = synthetic_record(5, curve_epochs=2).to_dict()
    assert list(json.loads(json.dumps(data, sort_keys=True))) == sorted(data)
    # the synthetic record fills every field but those that are empty for an ok, own run
    assert set(data) == set(FIELD_NAMES) - {"message", "run_id"}


def test_provenance_helpers():
    assert package_version() == metadata.version("nb360-surrogates")
    assert re.fullmatch(r"[0-9a-f]{40}", git_sha()), "this package lives in a git checkout"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", utc_now_iso())
    synthetic_record(1, timestamp=utc_now_iso())  # valid as a record timestamp


def test_git_sha_outside_a_checkout_is_unknown(tmp_path):
    assert git_sha(str(tmp_path)) == "unknown"
    assert git_sha(str(tmp_path / "missing")) == "unknown"
