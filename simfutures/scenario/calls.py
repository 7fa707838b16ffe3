"""Tasks that call the user's own function: ``call: "module:function"``.

The module is looked up first in the scenario file's directory, then on
``sys.path`` (as pytest finds test helpers next to the tests).  It is imported
twice over:

* once when the file is loaded, only to check that the name exists, so a typo
  is a load error at the ``call:`` line; everything that import added to
  ``sys.modules`` and ``sys.path`` is undone at once;
* afresh at the start of every run, by the runner, in the main thread: under
  the simulator its module-level code then makes virtual locks, and every run
  starts from the module's initial state, not from what the previous run left.

Workers find the function by name (``function_of``): a process worker gets the
name across the pickling boundary, not the function, so the function must be
importable in the worker.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from simfutures.scenario.model import CallSpec, Scenario

#: What ``call:`` looks like, for messages.
FORM = "'module:function' (e.g. 'counter_app:increment')"


class CallError(Exception):
    """A ``call:`` that cannot be resolved; the message says why, in one line."""


def parse(text: str, directory: str) -> CallSpec:
    """``"pkg.module:attr.path"`` as a CallSpec (its form only, nothing imported)."""
    module, sep, attribute = text.partition(":")
    parts = [*module.split("."), *attribute.split(".")]
    if not sep or not all(part.isidentifier() for part in parts):
        raise CallError(f"call must be {FORM}, got {text!r}")
    return CallSpec(module, attribute, directory)


def check(call: CallSpec, kind: str) -> None:
    """Import ``call``'s module once to check the function exists and can be called;
    undo everything the import added (see the module docstring)."""
    from simfutures.isolation import ProcessState

    state = ProcessState.capture()
    saved = _set_aside(call.module)
    try:
        sys.path.insert(0, call.directory)
        _check_own_code(call)
        try:
            module = importlib.import_module(call.module)
        except ModuleNotFoundError as exc:
            if exc.name not in _parents(call.module):
                raise _raised_by(call, exc) from None  # the module's own import failed
            where = f"next to the scenario file ({_shown(call.directory)}/) or on sys.path"
            also = (" (a process worker imports it by this name: it must be importable "
                    "there)") if kind == "process" else ""
            raise CallError(f"no module named {call.module!r} {where}{also}") from None
        except Exception as exc:  # SyntaxError, NameError... at the module's top level
            raise _raised_by(call, exc) from None
        target = _attribute(module, call)
        if not callable(target):
            raise CallError(f"{call.text} is a {type(target).__name__}, not a function")
    finally:
        state.restore()
        sys.modules.update(saved)


def _check_own_code(call: CallSpec) -> None:
    """Refuse, before anything is imported, a module of the standard library or of an
    installed package: a scenario runs its own project's code (which is also all the
    race detector looks at), never ``os:system`` with arguments from a YAML file."""
    from simfutures.sim.program_files import is_program_file

    top = call.module.partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return  # the import proper reports it
    if spec is None:
        return
    if spec.has_location and spec.origin:
        files = [spec.origin]
    else:  # a namespace package has directories; a built-in module, nothing
        files = [os.path.join(place, "__init__.py")
                 for place in spec.submodule_search_locations or ()]
    if not files or not all(is_program_file(file) for file in files):
        raise CallError(f"{top!r} is not your project's code (it is built in, standard "
                        "library or an installed package): a task calls only functions "
                        "of your own modules")


def _raised_by(call: CallSpec, exc: BaseException) -> CallError:
    from simfutures.program import one_line

    return CallError(f"importing {call.module!r} raised {one_line(exc)}")


def _attribute(module: Any, call: CallSpec) -> Any:
    from simfutures.scenario.checks import nearest

    target = module
    for part in call.attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            owner = getattr(target, "__name__", type(target).__name__)
            names = [n for n in dir(target) if not n.startswith("_")]
            best = nearest(part, names)
            hint = f" — did you mean {best!r}?" if best else ""
            where = getattr(module, "__file__", None)
            shown = f" ({_shown(where)})" if where and target is module else ""
            raise CallError(f"{owner!r}{shown} has no attribute {part!r}{hint}") from None
    return target


def _shown(path: str) -> str:
    """``path`` relative to the working directory when it is below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _parents(module: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``."""
    return [".".join(module.split(".")[:n]) for n in range(1, module.count(".") + 2)]


def _set_aside(module: str) -> dict[str, Any]:
    """Remove the program's own loaded copies of ``module`` and its parents from
    ``sys.modules`` (returned, to be put back): the import must be a fresh one."""
    from simfutures.sim.program_files import is_program_module

    return {name: sys.modules.pop(name) for name in _parents(module)
            if name in sys.modules and is_program_module(sys.modules[name])}


@contextlib.contextmanager
def fresh_functions(scenario: Scenario) -> Iterator[dict[str, Callable[..., Any]]]:
    """For the length of one run: every call task's function (task name -> function),
    from modules imported afresh; afterwards, ``sys.modules`` and ``sys.path`` as
    they were."""
    calls = [task for task in scenario.tasks if task.call is not None]
    if not calls:
        yield {}
        return
    from simfutures.isolation import ProcessState

    state = ProcessState.capture()
    saved: dict[str, Any] = {}
    try:
        for task in calls:
            assert task.call is not None
            saved.update(_set_aside(task.call.module))
        for directory in dict.fromkeys(task.call.directory for task in calls
                                       if task.call is not None):
            sys.path.insert(0, directory)
        yield {task.name: function_of(task.call) for task in calls if task.call is not None}
    finally:
        state.restore()
        sys.modules.update(saved)


def function_of(call: CallSpec) -> Callable[..., Any]:
    """The function ``call`` names: from the loaded module, else imported (a process
    worker started afresh: the scenario's directory is added to its path)."""
    module = sys.modules.get(call.module)
    if module is None:
        if call.directory not in sys.path:
            sys.path.insert(0, call.directory)
        module = importlib.import_module(call.module)
    return _attribute(module, call)
