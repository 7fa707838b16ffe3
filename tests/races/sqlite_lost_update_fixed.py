"""Fixed: the increment is one SQL statement, atomic in the database."""

import os
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROUNDS = 10


def deposit(path):
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)  # autocommit
    for _ in range(ROUNDS):
        connection.execute("UPDATE account SET balance = balance + 1")  # one statement
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
