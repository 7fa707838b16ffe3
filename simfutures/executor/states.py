"""A Future's five states and every legal transition, in one table."""

from __future__ import annotations

PENDING = "PENDING"
RUNNING = "RUNNING"
CANCELLED = "CANCELLED"
CANCELLED_AND_NOTIFIED = "CANCELLED_AND_NOTIFIED"
FINISHED = "FINISHED"

# (action, state) -> next state.  ``None`` means "refused without error":
# cancel() of a running or finished future just returns False.
TRANSITIONS: dict[tuple[str, str], str | None] = {
    ("cancel", PENDING): CANCELLED,
    ("cancel", RUNNING): None,
    ("cancel", FINISHED): None,
    # Cancelling twice is allowed and keeps reporting success.
    ("cancel", CANCELLED): CANCELLED,
    ("cancel", CANCELLED_AND_NOTIFIED): CANCELLED_AND_NOTIFIED,
    ("run", PENDING): RUNNING,
    ("run", CANCELLED): CANCELLED_AND_NOTIFIED,
    ("set_result", PENDING): FINISHED,
    ("set_result", RUNNING): FINISHED,
    ("set_exception", PENDING): FINISHED,
    ("set_exception", RUNNING): FINISHED,
}

# What the stdlib's repr prints for each state.
STATE_TO_DESCRIPTION = {
    PENDING: "pending",
    RUNNING: "running",
    CANCELLED: "cancelled",
    CANCELLED_AND_NOTIFIED: "cancelled",
    FINISHED: "finished",
}


class IllegalTransition(Exception):
    """``action`` is not allowed in ``state``.

    Internal only: ``Future`` turns it into what the stdlib raises there
    (``InvalidStateError`` or ``RuntimeError``, with the stdlib's messages),
    so users' ``except`` clauses catch exactly what they catch on CPython.
    """

    def __init__(self, action: str, state: str) -> None:
        super().__init__(f"can't {action} in state {state}")
        self.action = action
        self.state = state


def next_state(action: str, state: str) -> str | None:
    try:
        return TRANSITIONS[(action, state)]
    except KeyError:
        raise IllegalTransition(action, state) from None
