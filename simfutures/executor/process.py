"""``ProcessPoolExecutor``, written once over a runtime (placeholder: being written)."""

from __future__ import annotations

from simfutures.executor.base import Executor


class ProcessPoolExecutor(Executor):
    """Runs calls in a pool of worker processes."""
