"""Every run of an exploration starts from the same process state."""

from __future__ import annotations

import logging
import os
import sys
import textwrap

import pytest

from simfutures.explore.runner import explore_seeded
from simfutures.explore.strategies import RandomWalk
from simfutures.program import load_program

HELPER = """
calls = 0


def bump():
    global calls
    calls += 1
    return calls
"""

SCRIPT = """
import logging
import os
import sys
import warnings

import helper
from helpers_pkg import tally

log = logging.getLogger("isolated.app")
log.addHandler(logging.StreamHandler(sys.stdout))
log.setLevel(logging.INFO)
logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="root: %(message)s",
                    force=True)
logging.addLevelName(25, "NOTICE")
log.info("mark: %s", os.environ.get("ISOLATION_MARK", "unset"))
logging.warning("a warning")
print("helper:", helper.bump(), "package:", tally.bump())
print("argv:", sys.argv[1:], "path entries:", sys.path.count("/nonexistent"))
print("cwd:", os.path.basename(os.getcwd()))
print("filters:", len(warnings.filters))
os.environ["ISOLATION_MARK"] = "set"
os.chdir(os.path.dirname(os.getcwd()))
sys.argv.append("extra")
sys.path.insert(0, "/nonexistent")
warnings.simplefilter("ignore")
"""


def _program(tmp_path):
    (tmp_path / "helper.py").write_text(HELPER)
    (tmp_path / "helpers_pkg").mkdir()
    (tmp_path / "helpers_pkg" / "__init__.py").write_text("")
    (tmp_path / "helpers_pkg" / "tally.py").write_text(HELPER)
    script = tmp_path / "isolated.py"
    script.write_text(textwrap.dedent(SCRIPT))
    return load_program(script, ["arg"])


def test_a_deterministic_program_explored_30_times_has_one_outcome(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root_handlers = logging.root.handlers[:]
    before = (os.getcwd(), dict(os.environ), list(sys.argv), list(sys.path),
              logging.Logger.manager.loggerDict.get("isolated.app"))
    result = explore_seeded(_program(tmp_path), RandomWalk(), range(30))
    assert len(result.groups) == 1
    assert result.groups[0].key.stdout == (
        "mark: unset\nroot: mark: unset\nroot: a warning\nhelper: 1 package: 1\n"
        f"argv: ['arg'] path entries: 0\ncwd: {tmp_path.name}\n"
        f"filters: {len(__import__('warnings').filters)}\n")
    after = (os.getcwd(), dict(os.environ), list(sys.argv), list(sys.path),
             logging.Logger.manager.loggerDict.get("isolated.app"))
    assert after == before
    assert logging.root.handlers == root_handlers
    assert "helper" not in sys.modules and "helpers_pkg.tally" not in sys.modules
    assert "isolated.app" not in logging.Logger.manager.loggerDict
    assert logging.getLevelName(25) == "Level 25"


def test_atexit_handlers_run_at_the_end_of_their_own_run(tmp_path, capsys):
    # Registered in the simfutures process, they would run once per explored run when
    # simfutures exits, after (and into) its report.
    import atexit

    script = tmp_path / "bye.py"
    script.write_text(textwrap.dedent("""
        import atexit
        import threading

        def say(word):
            print(word)

        atexit.register(say, "bye")
        threading.Thread(target=say, args=("worker",)).start()
        print("main")
    """), encoding="utf-8")
    registered = []
    real_register = atexit.register
    atexit.register = lambda *a, **k: registered.append(a)  # noqa: E731 (what leaks)
    try:
        result = explore_seeded(load_program(script), RandomWalk(), range(20))
    finally:
        atexit.register = real_register
    assert registered == []
    outputs = {group.key.stdout for group in result.groups}
    assert all(out.endswith("bye\n") and out.count("bye") == 1 for out in outputs)
    assert "main\nworker\nbye\n" in outputs


REBINDS = """
import json
import warnings

_original = json.dumps
json.dumps = lambda obj, **kw: _original(obj, sort_keys=True, separators=(",", ":"), **kw)
print(json.dumps({"b": 1, "a": 2}))
warnings.showwarning = lambda message, *args, **kwargs: print("hooked:", message)
warnings.warn("second")
"""


def test_library_globals_a_run_rebinds_are_put_back_after_it(tmp_path):
    # A patched json.dumps wrapped itself once more each run (a TypeError from run 1
    # on), and simfutures' own report then used it; a warnings hook leaked likewise.
    path = tmp_path / "rebinds.py"
    path.write_text(REBINDS)
    import json
    import warnings

    dumps, showwarning = json.dumps, warnings.showwarning
    result = explore_seeded(load_program(path), RandomWalk(), range(20))
    assert [(g.key.stdout, g.key.error) for g in result.groups] == [
        ('{"a":2,"b":1}\nhooked: second\n', None)]
    assert json.dumps is dumps and warnings.showwarning is showwarning


RECURSIVE_REPR = """
import time
from concurrent.futures import ThreadPoolExecutor

DECORATE


class Slow:
    def __repr__(self):
        time.sleep(0)  # another thread may print the same record meanwhile
        return "Slow()"


@decorator
class Record:
    part: Slow = FIELD


record = Record(Slow())
with ThreadPoolExecutor(max_workers=2) as pool:
    print(sorted(set(pool.map(lambda _: repr(record), range(4)))))
"""


@pytest.mark.parametrize("decorate, field", [
    ("import attr\ndecorator = attr.s", "attr.ib()"),
    ("from dataclasses import dataclass as decorator", "None"),
])
def test_a_recursive_repr_guard_is_per_virtual_thread(tmp_path, decorate, field):
    # attrs guards a recursive repr with a module-level threading.local(), dataclasses
    # by (id, _thread.get_ident()): made or read before the simulation, they were one
    # for every virtual thread, and a second thread printing the same record got "..."
    # (or attrs' cleanup raised KeyError).
    import attr._compat

    path = tmp_path / "recursive_repr.py"
    path.write_text(RECURSIVE_REPR.replace("DECORATE", decorate).replace("FIELD", field))
    original = attr._compat.repr_context
    result = explore_seeded(load_program(path), RandomWalk(), range(30))
    assert [(g.key.stdout, g.key.error) for g in result.groups] == [
        ("['Record(part=Slow())']\n", None)]
    assert attr._compat.repr_context is original


def test_a_library_submodule_a_run_imports_stays_its_packages_attribute(tmp_path):
    """The first run's ``import json.tool`` leaves it in ``sys.modules``; the next runs'
    import finds it there and does not set the package attribute again, so putting
    ``json``'s globals back must keep it (every later run raised AttributeError)."""
    if "json.tool" in sys.modules:
        pytest.skip("json.tool is imported already in this process")
    script = tmp_path / "submodule.py"
    script.write_text("import json.tool\nprint(json.tool.__name__)\n")
    result = explore_seeded(load_program(script), RandomWalk(), range(5))
    assert [(group.key.stdout, group.key.error, len(group.seeds))
            for group in result.groups] == [("json.tool\n", None, 5)]


def test_process_wide_settings_a_run_changes_are_put_back_for_the_next(tmp_path):
    script = tmp_path / "settings.py"
    script.write_text(textwrap.dedent("""
        import gc, locale, os, signal, socket, sys, threading
        print(gc.isenabled(), oct(os.umask(0o77)), threading.stack_size(),
              locale.setlocale(locale.LC_NUMERIC), signal.getsignal(signal.SIGUSR1),
              socket.getdefaulttimeout(), sys.get_int_max_str_digits())
        socket.setdefaulttimeout(0.5)
        sys.set_int_max_str_digits(1000)
        gc.disable()
        threading.stack_size(1 << 20)
        locale.setlocale(locale.LC_NUMERIC, "C")
        signal.signal(signal.SIGUSR1, lambda *_: None)
    """))
    import gc
    import signal
    import threading

    before = (gc.isenabled(), threading.stack_size(), signal.getsignal(signal.SIGUSR1))
    result = explore_seeded(load_program(script), RandomWalk(), range(4))
    assert len(result.groups) == 1 and len(result.groups[0].seeds) == 4
    assert result.groups[0].key.stdout.startswith(f"{before[0]} ")
    assert (gc.isenabled(), threading.stack_size(), signal.getsignal(signal.SIGUSR1)) == before
