"""The one error type the scenario loader raises for unusable input."""

from __future__ import annotations

from simfutures.errors import SimfuturesError


class ScenarioError(SimfuturesError, ValueError):
    """A scenario file cannot be used.

    ``line`` and ``column`` are 1-based (as editors show them) and ``None`` when
    the problem has no position (a missing file, a file that is too large).
    It is also a ``ValueError`` so callers that only know the builtin still
    catch it.
    """

    def __init__(
        self,
        message: str,
        path: str = "<string>",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    def __reduce__(self):  # keep all fields across pickling (process pools, xdist)
        return (type(self), (self.message, self.path, self.line, self.column))
