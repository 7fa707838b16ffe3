"""The root of every exception simfutures raises on purpose."""


class SimfuturesError(Exception):
    """Base class: ``except SimfuturesError`` catches every deliberate simfutures error."""
