"""Standard-library calls whose behaviour depends on the OS thread: under the simulator
every virtual thread shares one, so these are modelled (``sim/library_locks.py``,
``sim/patch.py``, ``sim/sqlite_threads.py``) to behave as they do on real threads."""

from __future__ import annotations

import concurrent.futures
import re
import signal
import threading

import pytest

from simfutures.explore.search import ProgramSpec, SearchConfig, search
from simfutures.program import load_program
from simfutures.sim import simulate
from simfutures.sim.chooser import NaturalChooser


def test_strptime_from_two_threads_never_hangs_on_its_cache_lock(tmp_path):
    # _strptime compiles a new format under a module-level lock made at import: a real
    # lock, which a second virtual thread waiting for it would block the one OS thread on
    # (probe: the watchdog stopped every run that split the compile).
    path = tmp_path / "parse.py"
    path.write_text(
        "import datetime, threading, time\n"
        "def parse(k):\n"
        "    for i in range(3):\n"
        "        pad = '#' * (k * 10 + i)  # a new format each call\n"
        "        time.strptime('2024' + pad, '%Y' + pad)\n"
        "        datetime.datetime.strptime('2024-7' + pad, '%Y-%d' + pad)\n"
        "threads = [threading.Thread(target=parse, args=(k,)) for k in range(2)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "print('parsed')\n")
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=200))
    assert result.failures == 0
    assert [(group.key.stdout, group.key.error) for group in result.groups] == [("parsed\n", None)]


SQLITE_WRITER_HOLDS_THE_LOCK = """
import os, sqlite3, sys, tempfile, threading, time
path = os.path.join(tempfile.mkdtemp(), "db")
sqlite3.connect(path, isolation_level=None).execute("CREATE TABLE t (x)").connection.close()
locked = threading.Event()
def writer():
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    locked.set()
    time.sleep(0.5)
    connection.execute("COMMIT")
    connection.close()
thread = threading.Thread(target=writer)
thread.start()
locked.wait()
connection = sqlite3.connect(path, timeout=float(sys.argv[1]), isolation_level=None)
start = time.monotonic()
try:
    connection.execute("INSERT INTO t VALUES (1)")
    print("inserted", end=" ")
except sqlite3.OperationalError as error:
    print(error, end=" ")
print(f"after {time.monotonic() - start:.1f} s")
connection.close()
thread.join()
"""


@pytest.mark.parametrize(("timeout", "expected"), [
    ("5", "inserted after 0.5 s\n"), ("0.2", "database is locked after 0.2 s\n")])
def test_a_locked_sqlite_database_is_waited_for_in_virtual_time(tmp_path, timeout, expected):
    # SQLite's busy handler sleeps for real: in the one OS thread the writer holding the
    # lock never ran again (the watchdog stopped the run).  CPython prints the same lines.
    path = tmp_path / "locked.py"
    path.write_text(SQLITE_WRITER_HOLDS_THE_LOCK)
    outcome = load_program(path, [timeout]).run(NaturalChooser())
    assert (outcome.stdout, outcome.error) == (expected, None)


def _install_from_a_thread() -> list[str]:
    errors = []

    def install():
        for call in (lambda: signal.signal(signal.SIGUSR1, signal.SIG_DFL),
                     lambda: signal.set_wakeup_fd(-1)):
            try:
                call()
            except ValueError as error:
                errors.append(str(error))

    thread = threading.Thread(target=install)
    thread.start()
    thread.join()
    return errors


def test_signal_functions_refuse_a_thread_that_is_not_main_as_cpython_does():
    real = _install_from_a_thread()
    assert simulate(_install_from_a_thread) == real
    assert real == ["signal only works in main thread of the main interpreter",
                    "set_wakeup_fd only works in main thread of the main interpreter"]
    # the main thread may install a handler
    assert simulate(signal.signal, signal.SIGUSR1, signal.SIG_DFL) is not None


def _socket_conversation() -> list:
    import socket
    from concurrent.futures import ThreadPoolExecutor

    seen = []
    a, b = socket.socketpair()
    with a, b:
        def server():
            data = b.recv(100)  # waits for the client's send, in another thread
            b.sendall(data.upper())

        with ThreadPoolExecutor(max_workers=1) as pool:
            done = pool.submit(server)
            a.sendall(b"ping")
            seen.append(a.recv(100))
            done.result()
        b.settimeout(0.05)  # nobody sends: the timeout passes
        try:
            b.recv(10)
        except TimeoutError as error:
            seen.append((type(error).__name__, str(error)))
        b.setblocking(False)
        try:
            b.recv(10)
        except BlockingIOError as error:
            seen.append(type(error).__name__)
    return seen


def test_a_blocking_socket_read_waits_for_another_threads_send():
    # A blocking recv() blocked the one OS thread, the sending thread too, until the
    # watchdog (probe f57): it now waits on the virtual clock, as select() does.
    real = _socket_conversation()
    assert real == [b"PING", ("TimeoutError", "timed out"), "BlockingIOError"]
    assert simulate(_socket_conversation) == real
    assert simulate(_socket_conversation, seed=4) == real


def test_a_deadline_loop_can_run_out_and_a_measured_duration_be_long(tmp_path):
    # No timer is pending, so the clock moved only when every thread waited: the loop
    # always finished and the pool always looked fast (probe f21/f26; real CPython
    # gives the other answers on a loaded machine). Each read of the clock by the
    # program may now let a step's time pass.
    path = tmp_path / "budget.py"
    path.write_text(
        "import time\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def batch(items, budget):\n"
        "    deadline = time.monotonic() + budget\n"
        "    done = 0\n"
        "    for n in items:\n"
        "        if time.monotonic() > deadline:\n"
        "            break\n"
        "        sum(range(n))\n"
        "        done += 1\n"
        "    return done\n"
        "start = time.perf_counter()\n"
        "with ThreadPoolExecutor(max_workers=2) as pool:\n"
        "    done = pool.submit(batch, [1000] * 5, 0.02).result()\n"
        "elapsed = time.perf_counter() - start\n"
        "print('complete' if done == 5 else 'partial', 'slow' if elapsed > 0 else 'fast')\n")
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=200))
    outputs = {group.key.stdout.split()[0] for group in result.groups}
    assert outputs == {"complete", "partial"}
    assert {group.key.stdout.split()[1] for group in result.groups} == {"fast", "slow"}
    assert load_program(path).run(NaturalChooser()).stdout == "complete fast\n"


def _sqlite_from_pool(check_same_thread: bool) -> str:
    import sqlite3

    connection = sqlite3.connect(":memory:", check_same_thread=check_same_thread)
    connection.execute("create table t (x)")
    # Two threads' statements on one connection race for its implicit BEGIN in CPython
    # ("cannot start a transaction within a transaction", now and then): serialised.
    lock = threading.Lock()

    def insert(value: int) -> None:
        with lock:
            connection.execute("insert into t values (?)", (value,))

    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            list(pool.map(insert, range(3)))
    except sqlite3.ProgrammingError as error:
        return f"{type(error).__name__}: {error}"
    return str(connection.execute("select count(*) from t").fetchone())


def _sqlite_per_thread(path: str) -> str:
    import sqlite3

    def count(value: int) -> int:
        connection = sqlite3.connect(path)
        cursor = connection.cursor()
        rows = [row for row in cursor.execute("select ? + 1", (value,))]
        connection.close()
        return rows[0][0]

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return str(sorted(pool.map(count, range(3))))


def test_a_sqlite_connection_used_by_another_thread_raises_cpythons_error():
    real = _sqlite_from_pool(True)
    assert real.startswith("ProgrammingError: SQLite objects created in a thread can only be")
    for seed in range(4):
        simulated = simulate(_sqlite_from_pool, True, seed=seed)
        # (the thread ids in the message are the virtual threads' own)
        assert re.sub(r"\d+", "N", simulated) == re.sub(r"\d+", "N", real)
    assert simulate(_sqlite_from_pool, False) == _sqlite_from_pool(False) == "(3,)"


def test_per_thread_sqlite_connections_work_and_a_run_closes_its_own(tmp_path):
    import sqlite3

    path = str(tmp_path / "db.sqlite")
    assert simulate(_sqlite_per_thread, path) == _sqlite_per_thread(path) == "[1, 2, 3]"
    leftover = simulate(lambda: sqlite3.connect(":memory:"))
    assert type(leftover).__name__ == "Connection" and isinstance(leftover, sqlite3.Connection)
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        leftover.execute("select 1")
