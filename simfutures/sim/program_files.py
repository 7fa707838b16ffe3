"""Which source files are the program's own, as opposed to Python's or installed packages'.

The program's own files are what a run must re-import fresh (``isolation``)
and what the line budget counts (``line_budget``): everything that is not the
standard library, an installed package or simfutures itself.  Pseudo files
(``<string>``, ``<frozen ...>``) are not the program's.
"""

from __future__ import annotations

import os
import site
import sys
from functools import lru_cache

from simfutures.sim.scheduler import PACKAGE_DIR


def _not_program_roots() -> tuple[str, ...]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    try:
        roots.update(site.getsitepackages())
    except AttributeError:  # some virtualenvs' site module lacks it
        pass
    user_site = getattr(site, "USER_SITE", None)
    if user_site:
        roots.add(user_site)
    resolved = {os.path.realpath(root) for root in roots if root}
    return tuple(sorted(root.rstrip("/") + "/" for root in resolved | roots if root))


_ROOTS = _not_program_roots()
_PACKAGE = os.path.realpath(PACKAGE_DIR).rstrip("/") + "/"
_PACKAGE_AS_GIVEN = PACKAGE_DIR.rstrip("/") + "/"


@lru_cache(maxsize=4096)
def is_program_file(filename: str | None) -> bool:
    """Whether ``filename`` (a code object's or module's file) is the program's own."""
    if not filename or filename.startswith("<"):
        return False
    if filename.startswith((_PACKAGE_AS_GIVEN, *_ROOTS)):
        return False
    path = os.path.realpath(os.path.abspath(filename))
    return not path.startswith((_PACKAGE, *_ROOTS))


def is_program_module(module: object) -> bool:
    """Whether a module in ``sys.modules`` was loaded from the program's own files."""
    filename = getattr(module, "__file__", None)
    if filename:
        return is_program_file(filename)
    # A namespace package has no file: it is the program's if its directories are.
    paths = list(getattr(module, "__path__", None) or ())
    return bool(paths) and all(is_program_file(os.path.join(p, "__init__.py")) for p in paths)
