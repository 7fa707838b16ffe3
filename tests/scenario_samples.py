"""Scenario texts shared by the tests of ``simfutures check`` and of the pytest plugin.

Each is a file's content, so each declares itself with ``simfutures: 1``.
"""

MAP_ORDER = """\
simfutures: 1
name: map keeps input order
executor: {kind: thread, max_workers: 3}
tasks:
  nap: {duration: arg}
steps:
  - map: {task: nap, items: [0.3, 0.1, 0.2], as: results}
expect:
  - always: {order: {of: results, equals: [0.3, 0.1, 0.2]}}
"""
MAP_ORDER_CLAIM_LINE = 9

# With one worker, a cancel at t=0.1 races the worker taking b: it may lose.
CANCEL_RACE = """\
simfutures: 1
name: cancel always wins
executor: {kind: thread, max_workers: 1}
tasks:
  work: {duration: 0.1}
steps:
  - submit: {task: work, as: a}
  - submit: {task: work, as: b}
  - sleep: 0.1
  - cancel: {handle: b, as: cancelled}
expect:
  - sometimes: {state: {b: cancelled}}
  - always: {returns: {of: cancelled, equals: true}}
"""
CANCEL_RACE_FAILING_LINE = 13  # the always claim
