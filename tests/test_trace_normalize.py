"""Normalisation: different runs of the same behaviour must read the same."""

from __future__ import annotations

from simfutures.trace.normalize import normalize, normalize_pids, normalize_times


def test_addresses_are_numbered_by_first_appearance() -> None:
    text = "<Future at 0x7f1e9fd0f590 state=running> <X at 0x55aa00ff10> <Future at 0x7f1e9fd0f590>"
    assert normalize(text) == "<Future at 0xADDR1 state=running> <X at 0xADDR2> <Future at 0xADDR1>"


def test_two_runs_with_different_addresses_but_the_same_identity_structure_agree() -> None:
    a = "first 0x7f0000001000, again 0x7f0000001000, other 0x7f0000002000"
    b = "first 0x55aaaaaa0000, again 0x55aaaaaa0000, other 0x55aaaaab0000"
    c = "first 0x55aaaaaa0000, again 0x55aaaaab0000, other 0x55aaaaab0000"
    assert normalize(a) == normalize(b)
    assert normalize(a) != normalize(c)  # "same object" structure is kept


def test_short_hex_literals_are_data_not_addresses() -> None:
    assert normalize("flags 0xff mask 0x1234") == "flags 0xff mask 0x1234"


def test_pids_become_numbered_in_order_of_appearance() -> None:
    text = "ran 5 in 4002\nran 4 in 4001\nran 3 in 4002\n"
    expected = "ran 5 in PID1\nran 4 in PID2\nran 3 in PID1\n"
    assert normalize_pids(text, [4000, 4001, 4002]) == expected


def test_only_known_pids_and_only_whole_numbers_are_replaced() -> None:
    text = "pid 21637, count 216370, version 1.21637, id 21637x, other 999"
    expected = "pid PID1, count 216370, version 1.21637, id 21637x, other 999"
    assert normalize_pids(text, [21637]) == expected


def test_real_and_simulated_pid_orders_compare_equal() -> None:
    real = normalize("task 5 in 31337\ntask 4 in 31338\n", [31336, 31337, 31338])
    sim = normalize("task 5 in 4001\ntask 4 in 4002\n", [4000, 4001, 4002])
    same_process = normalize("task 5 in 4001\ntask 4 in 4001\n", [4000, 4001, 4002])
    assert real == sim
    assert real != same_process


def test_times_dates_timestamps_and_durations() -> None:
    text = ("at 2024-05-01 12:30:45.123 then 12:30:46, epoch 1712345678.25, "
            "took 0.5023s and 12 ms; date 2024-05-01")
    assert normalize_times(text) == (
        "at <TIME> then <TIME>, epoch <EPOCH>, took <DURATION> and <DURATION>; date <DATE>")


def test_numbers_that_are_not_times_stay() -> None:
    text = "main: result: (1, 0.1)\nsleeping 5\nvalues [0.5, 0.4]\n"
    assert normalize(text) == text


def test_normalize_is_idempotent() -> None:
    text = "at 0x7f1e9fd0f590 pid 4001 took 3.2s at 12:00:01 epoch 1700000000.5"
    once = normalize(text, [4001])
    assert normalize(once, [4001]) == once
    assert normalize(once) == once
