"""What a ``spawn`` or ``forkserver`` child imports before its target runs.

The child is a fresh interpreter: it imports the main script again as
``__mp_main__`` (its ``if __name__ == "__main__":`` block does not run), and with
it, afresh, every module of the program the script imports; unpickling the target
imports the ones it needs.  So a global the parent set under the guard is missing
in the child, and one it changed in another module of the program has that
module's initial value there.

Virtual processes share one interpreter and its module objects; each has its own
copy of the program's module globals (``process_memory``).  A spawned child's copy
of each of the program's modules starts as a fresh namespace (``fresh_namespace``),
and ``SpawnImport.run`` fills them in the child: the main script's code runs into
its namespace, and each module of the program it imports is executed first, the
first time the child imports it (``builtins.__import__``, which every ``import``
statement calls); the modules it never imported are executed after it, as the
target's unpickling would import them.
"""

from __future__ import annotations

import builtins
import os
import sys
import types
from typing import Any

import attrs

from simfutures.sim import context

#: The main script's code by path and version (modification time, size): compiled
#: once for every spawned child, again if the script changed between two runs.
_MAIN_CODE: dict[tuple[str, int, int], types.CodeType] = {}


def main_code(path: str) -> types.CodeType:
    status = os.stat(path)
    key = (path, status.st_mtime_ns, status.st_size)
    code = _MAIN_CODE.get(key)
    if code is None:
        with open(path, "rb") as source:
            code = _MAIN_CODE[key] = compile(source.read(), path, "exec", dont_inherit=True)
    return code


def fresh_namespace(module: types.ModuleType) -> dict[str, Any] | None:
    """The globals ``module`` has before its code runs in a fresh interpreter, or None
    if its code cannot be had again (no source loader): then the child shares the
    fork copy."""
    spec = getattr(module, "__spec__", None)
    if spec is None or not hasattr(spec.loader, "get_code"):
        return None
    namespace = {name: getattr(module, name) for name in (
        "__name__", "__package__", "__loader__", "__spec__", "__file__", "__cached__",
        "__path__") if hasattr(module, name)}
    namespace.update(__doc__=None, __builtins__=builtins.__dict__)
    return namespace


@attrs.define
class SpawnImport:
    """A spawned child's imports: ``main`` (the main script's code), and the program's
    modules whose child namespace is still fresh, by name."""

    main: types.CodeType
    pending: dict[str, types.ModuleType]

    def run(self, process: Any) -> None:
        """In ``process``'s main thread: import everything (raises what a module raised)."""
        real_import = builtins.__import__

        def importing(name: str, globals: dict | None = None, locals: Any = None,  # noqa: A002
                      fromlist: Any = (), level: int = 0) -> Any:
            if self.pending and context.active() and context.current().process is process:
                self._execute_needed(name, globals, fromlist, level)
            return real_import(name, globals, locals, fromlist, level)

        builtins.__import__ = importing
        try:
            exec(self.main, vars(sys.modules["__main__"]))
            for name in list(self.pending):
                self._execute(name)
        finally:
            builtins.__import__ = real_import

    def _execute_needed(self, name: str, globals: dict | None, fromlist: Any,
                        level: int) -> None:
        if level:
            package = (globals or {}).get("__package__") or ""
            base = package.rsplit(".", level - 1)[0] if level > 1 else package
            name = f"{base}.{name}" if name else base
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            self._execute(".".join(parts[:end]))
        for item in fromlist or ():
            self._execute(f"{name}.{item}")

    def _execute(self, name: str) -> None:
        module = self.pending.pop(name, None)
        if module is None:
            return
        exec(module.__spec__.loader.get_code(name), vars(module))
        parent, _, child = name.rpartition(".")
        if parent in sys.modules:
            setattr(sys.modules[parent], child, module)  # as the import system does
