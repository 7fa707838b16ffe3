# real CPython 3.11: fails 52/100 with setswitchinterval(1e-6) (2 shared cores)
"""Two tasks import, lazily, two modules that import each other, one task from each end
(either order works in one thread: each module uses the other only in a function).

Each task takes its first module's import lock, then needs the other's, which the
other task may hold: importlib finds the cycle and raises ``_DeadlockError`` in one
task; or a task finds its module complete while the module it uses is still being
initialised by the other task (``AttributeError``).  Under the simulator this needs
importlib's module locks on virtual threads (``simfutures/sim/import_locks.py``).
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
    "orders_mod": "import customers_mod\n" + BODY
                  + "TAX = 0.2\ndef rate():\n    return customers_mod.RATE\n",
    "customers_mod": "import orders_mod\n" + BODY
                     + "RATE = 1.2\ndef tax():\n    return orders_mod.TAX\n",
}


def load(name):
    try:
        module = __import__(name)
        return module.rate() if name == "orders_mod" else module.tax()
    except Exception as exc:  # _DeadlockError or AttributeError
        return type(exc).__name__


folder = tempfile.mkdtemp()
try:
    for name, source in MODULES.items():
        with open(os.path.join(folder, name + ".py"), "w") as file:
            file.write(source)
    sys.path.insert(0, folder)
    with ThreadPoolExecutor(max_workers=2) as pool:
        loaded = list(pool.map(load, ["orders_mod", "customers_mod"]))
finally:
    sys.path.remove(folder)
    shutil.rmtree(folder)

assert loaded == [1.2, 0.2], f"an import failed: {loaded}"
