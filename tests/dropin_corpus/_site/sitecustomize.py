"""Started by ``site`` in the corpus runner's interpreters and their children.

When ``SIMFUTURES_DROPIN_TARGET`` names a module (``simfutures.real``), the
``concurrent.futures`` package and its submodules become that module's, before
the program (or asyncio, or a spawned worker) imports them.  Never prints.
"""

import os
import sys

_TARGET = os.environ.get("SIMFUTURES_DROPIN_TARGET", "")

if _TARGET:
    import importlib

    _aliases = {"concurrent.futures": importlib.import_module(_TARGET)}
    for _sub in ("_base", "thread", "process"):
        _aliases[f"concurrent.futures.{_sub}"] = importlib.import_module(f"{_TARGET}.{_sub}")
    import concurrent

    sys.modules.update(_aliases)
    concurrent.futures = _aliases["concurrent.futures"]
