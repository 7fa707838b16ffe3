"""Docs that cannot go stale: every command and snippet in README.md and docs/*.md runs.

Every fenced block must say what it is (an untagged block fails here):

- ```sh: commands; the block runs in bash (``set -e``) and must succeed;
- ```console: ``$ command`` lines, each followed by its output as the docs
  show it; the command runs and its output (stdout and stderr, as a terminal
  shows them) must match: exactly, except that a ``...`` line stands for any
  number of lines;
- ```python: a snippet, run as a script (``python snippet.py``); one that
  defines ``test_*`` functions is run by pytest instead; both must pass,
  except a test marked ``# this test fails: <why>`` (it must fail); a block
  whose first line is ``# excerpt of PATH`` is not run but must appear,
  verbatim, in that file (which other blocks run);
- ```yaml with a top-level ``simfutures: 1``: a scenario, which must load
  (tests/test_scenario_runner.py checks that its claims hold);
- ```text, ```json, other ```yaml: output, formats and data shown as
  illustration; not run.

Blocks run in a scratch directory holding links to the repository's
``examples``, ``scenarios``, ``tests`` and ``benchmarks``, so files the commands
write (traces, schedules) land there, and paths read as in the docs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RUN = ("sh", "console", "python")
NOT_RUN = ("text", "json", "yaml")
LINKED = ("examples", "scenarios", "tests", "benchmarks", "docs", "README.md")
#: Seconds one block may take (they are small by design: keep doc commands quick).
TIMEOUT = 120

#: The README's first lines: set up, then run the suite. The docs test is part
#: of that suite and already runs in the environment the first command makes,
#: so these two are checked to be there, verbatim, and are not run.
SETUP = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && "
SUITE = "python -m pytest -n 2"

_FENCE = re.compile(r"^( *)```(\S*)[ \t]*$")


@attrs.frozen
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    found, lines = [], path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, lang = len(opening.group(1)), opening.group(2)
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        body = [line[indent:] for line in lines[index + 1:end]]
        found.append(Block(path, index + 1, lang, "\n".join(body) + "\n"))
        index = end + 1
    return found


ALL = [block for doc in DOCS for block in blocks(doc)]


def runnable(lang: str) -> list[Block]:
    return [b for b in ALL if b.lang == lang]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for name in LINKED:
        (tmp_path / name).symlink_to(REPO / name)
    return tmp_path


def environment() -> dict[str, str]:
    env = dict(os.environ)
    # `python` and `simfutures` are this environment's; output is unbuffered so
    # stdout and stderr interleave as on a terminal.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env["COLUMNS"] = "80"
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    return env


def run(command: list[str] | str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=environment(), text=True, timeout=TIMEOUT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          shell=isinstance(command, str), executable="/bin/bash"
                          if isinstance(command, str) else None)


# --- every block is tagged ------------------------------------------------------------


def test_every_block_says_what_it_is():
    untagged = [b.where for b in ALL if b.lang not in RUN + NOT_RUN]
    assert not untagged, (f"tag these blocks with one of {RUN + NOT_RUN} "
                          f"(see tests/test_docs.py): {untagged}")


def test_the_readme_starts_with_the_set_up_commands():
    first = ALL[0]
    assert first.path.name == "README.md" and first.lang == "sh"
    commands = first.text.splitlines()
    assert commands[0].startswith(SETUP) and commands[1] == SUITE
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r"^test = \[", pyproject, re.M), "the '[test]' extra is gone"


# --- sh -----------------------------------------------------------------------------


def shell_script(block: Block) -> str:
    text = block.text
    if block is ALL[0]:  # see SETUP
        text = text.replace(SETUP, "", 1).replace(SUITE + "\n", "", 1)
    return "set -e -o pipefail\n" + text


@pytest.mark.parametrize("block", runnable("sh"), ids=lambda b: b.where)
def test_sh_block_succeeds(block: Block, workdir: Path):
    result = run(shell_script(block), workdir)
    assert result.returncode == 0, f"{block.where}: exit {result.returncode}\n{result.stdout}"


# --- console ------------------------------------------------------------------------


def console_steps(block: Block) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$`` line."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"{block.where}: output before the first '$ ' command"
            steps[-1][1].append(line)
    return steps


def output_pattern(expected: list[str]) -> re.Pattern[str]:
    parts = []
    for line in expected:
        parts.append(r"(?:.*\n)*?" if line.strip() == "..." else
                     re.escape(line.rstrip()) + r"[ \t]*\n")
    return re.compile("".join(parts))


#: Console blocks known to be stale, by their first command, with the reason.
#: Strict: once the docs or the code are fixed, the entry must go.
STALE: dict[str, str] = {}


@pytest.mark.parametrize("block", runnable("console"), ids=lambda b: b.where)
def test_console_block_shows_what_the_command_prints(block: Block, workdir: Path,
                                                     request: pytest.FixtureRequest):
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the docs show CPython 3.11's output (scheduling points, tracebacks)")
    steps = console_steps(block)
    if steps[0][0] in STALE:
        request.applymarker(pytest.mark.xfail(reason=STALE[steps[0][0]], strict=True))
    for command, expected in steps:
        result = run(command, workdir)
        shown = result.stdout if result.stdout.endswith("\n") or not result.stdout else \
            result.stdout + "\n"
        if not expected:
            assert result.returncode == 0, f"{block.where}: $ {command}\n{shown}"
            continue
        assert output_pattern(expected).fullmatch(shown), (
            f"{block.where}: $ {command}\nthe docs show:\n" + "\n".join(expected)
            + f"\n\nit printed (exit {result.returncode}):\n{shown}")


# --- python -------------------------------------------------------------------------


EXCERPT = re.compile(r"# excerpt of (\S+)\n")
EXPECTED_FAILURE = "# this test fails: "


@pytest.mark.parametrize("block", runnable("python"), ids=lambda b: b.where)
def test_python_block_runs(block: Block, workdir: Path):
    excerpt = EXCERPT.match(block.text)
    if excerpt:
        source = (REPO / excerpt.group(1)).read_text()
        assert block.text[excerpt.end():] in source, \
            f"{block.where}: the excerpt is no longer in {excerpt.group(1)}"
        return
    if "fail_on_race=True" in block.text:
        from simfutures.explore import stack_peek

        if not stack_peek.AVAILABLE:
            pytest.skip("data-race detection needs the tracer's stack reading, which this "
                        "interpreter lacks (docs/soundness.md)")
    if re.search(r"^def test_", block.text, re.M):
        (workdir / "test_snippet.py").write_text(block.text)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "test_snippet.py"]
    else:
        (workdir / "snippet.py").write_text(block.text)
        command = [sys.executable, "snippet.py"]
    result = run(command, workdir)
    if EXPECTED_FAILURE in block.text:
        failing = block.text.count(EXPECTED_FAILURE)
        assert result.returncode == 1 and f"{failing} failed" in result.stdout \
            and " error" not in result.stdout, f"{block.where}: expected {failing} failing " \
            f"test(s), got exit {result.returncode}\n{result.stdout}"
        return
    assert result.returncode == 0, f"{block.where}: exit {result.returncode}\n{result.stdout}"


# --- yaml scenarios -----------------------------------------------------------------


@pytest.mark.parametrize("block", [b for b in runnable("yaml")
                                   if re.search(r"^simfutures:", b.text, re.M)],
                         ids=lambda b: b.where)
def test_yaml_scenario_block_loads(block: Block, tmp_path: Path):
    from simfutures.scenario import load_scenario

    path = tmp_path / "scenario.yaml"
    path.write_text(block.text)
    assert load_scenario(path).name


def test_scenario_blocks_in_the_scenario_guide_are_marked():
    guide = [b for b in ALL if b.path.name == "scenarios.md" and b.lang == "yaml"]
    assert guide and all(b.text.startswith("simfutures: 1\n") for b in guide), \
        [b.where for b in guide if not b.text.startswith("simfutures: 1\n")]
