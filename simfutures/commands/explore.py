"""``simfutures explore``: not yet available."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("program", nargs="*")


def main(args: argparse.Namespace) -> int:
    raise SystemExit("simfutures explore: not implemented yet")
