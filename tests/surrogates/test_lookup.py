"""pick_protocol: the protocol choice shared by the benchmark store and the tabular benchmark."""
from __future__ import annotations

import pytest

from surrogates.lookup import pick_protocol


def test_a_named_protocol_that_is_present_is_returned() -> None:
    assert pick_protocol("b-v1", ["a-v1", "b-v1"], "the records") == "b-v1"


def test_none_picks_the_only_protocol() -> None:
    assert pick_protocol(None, ["a-v1"], "the records") == "a-v1"


def test_none_picks_the_newest_version_and_older_ones_stay_reachable_by_name() -> None:
    present = ["ecg-cpu-v1", "ecg-gpu-v1", "ecg-cpu-v2"]
    assert pick_protocol(None, present, "the records") == "ecg-cpu-v2"
    assert pick_protocol("ecg-cpu-v1", present, "the records") == "ecg-cpu-v1"
    assert pick_protocol(None, ["x-v10", "x-v9"], "the records") == "x-v10"  # numbers, not text


@pytest.mark.parametrize(
    ("protocol", "present", "message"),
    [
        ("c-v1", ["a-v1", "b-v1"], r"the records of task 'x' have no protocol 'c-v1'; present: \['a-v1', 'b-v1'\]"),
        (None, ["a-v1", "b-v1"], r"the records of task 'x' have several protocols \['a-v1', 'b-v1'\]; pass protocol="),
        (None, [], r"the records of task 'x' have no protocols \[\]"),
        (None, ["a-v1", "a-v2", "b-v2"],
         r"have several protocols \['a-v1', 'a-v2', 'b-v2'\] \(2 of the newest version\); pass protocol="),
    ],
)
def test_errors_name_the_protocol_and_what_is_present(protocol, present, message) -> None:
    with pytest.raises(ValueError, match=message):
        pick_protocol(protocol, present, "the records of task 'x'")


def test_a_training_set_without_a_protocol_is_the_newest_version_of_the_shipped_records() -> None:
    from surrogates.benchmark.records import load_training_set, protocols_with_records

    present = protocols_with_records("darcyflow", "darts")
    assert {"darcyflow-cpu-v1", "darcyflow-cpu-v2"} <= set(present)
    assert load_training_set("darcyflow", "darts").protocol == "darcyflow-cpu-v2"
    assert load_training_set("darcyflow", "darts", "darcyflow-cpu-v1").protocol == "darcyflow-cpu-v1"


def test_of_equally_new_protocols_an_imported_full_budget_table_is_the_default() -> None:
    present = ["nb360-nb201-200ep", "ninapro-nb201-cpu-v1"]  # both count as v1
    assert pick_protocol(None, present, "the records") == "nb360-nb201-200ep"
    assert pick_protocol("ninapro-nb201-cpu-v1", present, "the records") == "ninapro-nb201-cpu-v1"
    # a newer version still wins, and protocols the registry does not know still tie
    assert pick_protocol(None, ["nb360-nb201-200ep", "x-cpu-v2"], "the records") == "x-cpu-v2"
    with pytest.raises(ValueError, match="several protocols"):
        pick_protocol(None, ["a-v1", "ninapro-nb201-cpu-v1"], "the records")


def test_ninapro_nb201_records_without_a_protocol_are_nb360s_table() -> None:
    from surrogates.benchmark.records import protocols_with_records

    present = protocols_with_records("ninapro", "nb201")
    assert {"nb360-nb201-200ep", "ninapro-nb201-cpu-v1"} <= set(present)
    assert pick_protocol(None, present, "the records of task 'ninapro'") == "nb360-nb201-200ep"
