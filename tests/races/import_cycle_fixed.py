# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores)
"""The fix: the modules no longer import each other at module level (the rate is read
when asked for), so each task waits on the other's import lock at most, never in a
cycle.  Both tasks still import both modules at once: importlib's module lock makes
the second importer wait until the module is complete (a simulator whose virtual
threads all counted as one OS thread would show it half initialised).
"""

import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# Each module's body takes a lock of its own (a registry's, say): a scheduling point
# half way through the import, as any lock, print or logging call there is.
BODY = "import threading\nwith threading.Lock():\n    pass\nfor _ in range(300): pass\n"
MODULES = {
    "orders_mod": BODY + "TAX = 0.2\n",
    "customers_mod": BODY + "def rate():\n    import orders_mod\n    return 1 + orders_mod.TAX\n",
}


def load(names):
    try:
        for name in names:
            __import__(name)
        return round(sys.modules["customers_mod"].rate(), 2), sys.modules["orders_mod"].TAX
    except Exception as exc:
        return type(exc).__name__


folder = tempfile.mkdtemp()
try:
    for name, source in MODULES.items():
        with open(os.path.join(folder, name + ".py"), "w") as file:
            file.write(source)
    sys.path.insert(0, folder)
    with ThreadPoolExecutor(max_workers=2) as pool:
        loaded = list(pool.map(load, [["orders_mod", "customers_mod"],
                                      ["customers_mod", "orders_mod"]]))
finally:
    sys.path.remove(folder)
    shutil.rmtree(folder)

assert loaded == [(1.2, 0.2), (1.2, 0.2)], f"an import failed: {loaded}"
