# real CPython 3.11: fails 9/40 with setswitchinterval(1e-6) (2 shared cores, under load)
"""A read-modify-write through SQL: each task reads the balance with SELECT and writes
it back with UPDATE, on its own connection; the other task's UPDATE can land in between
(no Python object is shared: the database file is)."""

import os
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROUNDS = 10


def deposit(path):
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)  # autocommit
    for _ in range(ROUNDS):
        (balance,) = connection.execute("SELECT balance FROM account").fetchone()
        sum(range(20_000))  # a little work in the window (C: no traced lines)
        connection.execute("UPDATE account SET balance = ?", (balance + 1,))
    connection.close()


with tempfile.TemporaryDirectory() as base:
    path = os.path.join(base, "bank.db")
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE account (balance INTEGER)")
        setup.execute("INSERT INTO account VALUES (0)")
    setup.close()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for task in [pool.submit(deposit, path) for _ in range(2)]:
            task.result()
    with sqlite3.connect(path) as check:
        (balance,) = check.execute("SELECT balance FROM account").fetchone()
    check.close()

print(balance)
assert balance == 2 * ROUNDS, f"lost update: {balance}"
