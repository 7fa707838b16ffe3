"""The wall clock CPython reads in C (``datetime.now()``, ``time.localtime()`` without
an argument...) is the run's virtual clock, so a run stays a function of its seed."""

from __future__ import annotations

import datetime
import subprocess
import sys
import time
import warnings
from concurrent import futures

import pytest

from simfutures.sim import simulate
from simfutures.sim.patch import EPOCH


def _readings_after(seconds: float) -> dict[str, object]:
    time.sleep(seconds)
    return {
        "time": time.time(),
        "now": datetime.datetime.now(),
        "now_utc": datetime.datetime.now(datetime.UTC),
        "today": datetime.datetime.today(),
        "localtime": time.localtime(),
        "localtime_none": time.localtime(None),
        "gmtime": time.gmtime(),
        "ctime": time.ctime(),
        "asctime": time.asctime(),
        "strftime": time.strftime("%Y-%m-%d %H:%M:%S"),
        "monotonic": time.monotonic(),
        "cpu": (time.process_time(), time.thread_time(), time.process_time_ns() / 1e9),
        "clock_gettime": (time.clock_gettime(time.CLOCK_REALTIME),
                          time.clock_gettime(time.CLOCK_MONOTONIC),
                          time.clock_gettime_ns(time.CLOCK_PROCESS_CPUTIME_ID) / 1e9),
    }


def test_every_wall_clock_reading_is_the_virtual_time():
    readings = simulate(_readings_after, 90.5)
    wall = EPOCH + 90.5
    assert readings["time"] == wall
    assert readings["now"] == datetime.datetime.fromtimestamp(wall)
    assert readings["now_utc"] == datetime.datetime.fromtimestamp(wall, datetime.UTC)
    assert readings["today"] == datetime.datetime.fromtimestamp(wall)
    assert readings["localtime"] == readings["localtime_none"] == time.localtime(wall)
    assert readings["gmtime"] == time.gmtime(wall)
    assert readings["ctime"] == time.ctime(wall)
    assert readings["asctime"] == time.asctime(time.localtime(wall))
    assert readings["strftime"] == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall))
    # CPU time is the virtual time too: what the simulator itself used is no function
    # of the seed.
    virtual = readings["monotonic"]
    assert readings["cpu"] == (virtual, virtual, virtual)
    assert readings["clock_gettime"] == (wall, virtual, virtual)


def test_a_datetime_deadline_passes_in_virtual_time_in_a_pool_task():
    def task() -> datetime.timedelta:
        start = datetime.datetime.now()
        time.sleep(30)
        return datetime.datetime.now() - start

    def main() -> datetime.timedelta:
        with futures.ThreadPoolExecutor(2) as ex:
            return ex.submit(task).result()

    assert simulate(main) == datetime.timedelta(seconds=30)


def test_utcnow_is_the_virtual_utc_time_with_cpythons_warning():
    def read() -> tuple[datetime.datetime, list[str]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = datetime.datetime.utcnow()
        return value, [str(w.message) for w in caught]

    value, messages = simulate(read)
    assert value == datetime.datetime.fromtimestamp(EPOCH, datetime.UTC).replace(
        tzinfo=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        datetime.datetime.utcnow()
    assert messages == [str(w.message) for w in caught]  # none before 3.12


def test_datetime_types_and_errors_are_cpythons():
    class Stamp(datetime.datetime):
        pass

    def read() -> tuple[type, type, type]:
        return (type(datetime.datetime.now()), type(Stamp.now()), type(Stamp.utcnow()))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert simulate(read) == (datetime.datetime, Stamp, Stamp)
    with pytest.raises(TypeError) as real:
        datetime.datetime.now(5)
    with pytest.raises(TypeError) as virtual:
        simulate(datetime.datetime.now, 5)
    assert str(virtual.value) == str(real.value)
    with pytest.raises(OSError) as real:
        time.clock_gettime(12345)
    with pytest.raises(OSError) as virtual:
        simulate(time.clock_gettime, 12345)
    assert str(virtual.value) == str(real.value)
    with pytest.raises(TypeError) as real:
        time.asctime(None)
    with pytest.raises(TypeError) as virtual:
        simulate(time.asctime, None)
    assert str(virtual.value) == str(real.value)


def test_outside_a_run_the_real_clock_and_methods_are_back():
    before = vars(datetime.datetime)["now"], time.localtime
    simulate(datetime.datetime.now)
    assert (vars(datetime.datetime)["now"], time.localtime) == before
    assert abs(datetime.datetime.now().timestamp() - time.time()) < 60


def test_a_script_printing_the_time_prints_the_same_bytes_every_run(tmp_path):
    script = tmp_path / "stamp.py"
    script.write_text(
        "import datetime, time\n"
        "time.sleep(0.25)\n"
        "print(datetime.datetime.now().isoformat(), time.strftime('%c'), time.ctime())\n")
    outputs = {subprocess.run([sys.executable, "-m", "simfutures.cli", "run", str(script)],
                              capture_output=True, text=True, check=True).stdout
               for _ in range(2)}
    assert len(outputs) == 1
    assert datetime.datetime.fromtimestamp(EPOCH + 0.25).isoformat() in outputs.pop()
