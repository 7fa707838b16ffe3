"""Aliasing hook for the conformance harness.

The harness copies this file as ``sitecustomize.py`` into its overlay folder and
puts that folder first on ``PYTHONPATH``.  ``site`` imports it at start-up of the
runner and of every child interpreter (spawn/forkserver workers, the
``assert_python_ok`` children), before ``__main__`` or anything else can import
``concurrent.futures``.

It reads ``SIMFUTURES_CONFORMANCE_TARGET``: a module name such as
``simfutures.real``.  When the target is empty or ``concurrent.futures`` nothing
is aliased (the stdlib is tested as is); otherwise ``sys.modules`` entries for
``concurrent.futures`` and its submodules ``_base``, ``thread`` and ``process``
point at the target's.

It must never write to stdout/stderr (some tests assert a child's stderr is
empty), so problems are recorded in module globals that the runner checks:

* ``ALIAS_ERROR``: formatted traceback if importing the target failed.
* ``PRELOADED``: True if the stdlib ``concurrent.futures`` was imported before
  the target (then early importers, e.g. asyncio, hold the stdlib module).
* ``STDLIB_USED_BY_TARGET``: True if importing the target imported the stdlib
  ``concurrent.futures`` (the target reuses some of it, e.g. exception classes).
"""

import os
import sys

TARGET_ENV = "SIMFUTURES_CONFORMANCE_TARGET"
SUBMODULES = ("_base", "thread", "process")

TARGET = os.environ.get(TARGET_ENV, "")
ALIASED = False
ALIAS_ERROR = None
PRELOADED = False
STDLIB_USED_BY_TARGET = False


def _install(target):
    import importlib

    global ALIASED, PRELOADED, STDLIB_USED_BY_TARGET
    PRELOADED = "concurrent.futures" in sys.modules
    aliases = {"concurrent.futures": importlib.import_module(target)}
    for sub in SUBMODULES:
        aliases[f"concurrent.futures.{sub}"] = importlib.import_module(f"{target}.{sub}")
    STDLIB_USED_BY_TARGET = not PRELOADED and "concurrent.futures" in sys.modules
    # Importing the target may itself import the stdlib package; alias afterwards.
    import concurrent

    sys.modules.update(aliases)
    concurrent.futures = aliases["concurrent.futures"]
    ALIASED = True


if TARGET and TARGET != "concurrent.futures":
    try:
        _install(TARGET)
    except BaseException:  # noqa: BLE001 - reported by the runner, never printed here
        import traceback

        ALIAS_ERROR = traceback.format_exc()
