"""Every `lockgate ...` command line written in README.md and docs/ names a real command and real options,
so the docs cannot drift from the CLI (a newcomer copies them)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from orchestration.cli.app import app
from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
WRONG_ON_PURPOSE = {"lockgate run orders --windw 2024-03-01"}  # docs/cli.md shows what a usage error looks like


def _command_lines(text: str) -> list[str]:
    found = [m.group(1) for m in re.finditer(r"`(lockgate [^`]+)`", text)]
    fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
            continue
        stripped = line.strip().removeprefix("$ ")
        if fence and stripped.startswith("lockgate "):
            found.append(stripped)
    return found


def _words(line: str) -> list[str]:
    line = re.sub(r"\s+#\s.*$", "", line)  # a trailing shell comment
    for part in line.split("&&"):
        if part.strip().startswith("lockgate "):
            line = part
            break
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    out: list[str] = []
    for w in words[1:]:
        out += [p for p in w.strip("[]").split("|") if p]
    return out


def _options(command: Any) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}


ROOT_COMMAND = typer.main.get_command(app)
GLOBAL = _options(ROOT_COMMAND) | {"-h", "--help"}
CASES = [(doc, line) for doc in DOCS for line in _command_lines(doc.read_text()) if line not in WRONG_ON_PURPOSE]


def test_the_docs_show_commands() -> None:
    assert len(CASES) > 40 and any(doc.name == "cli.md" for doc, _ in CASES)


@pytest.mark.parametrize(("doc", "line"), CASES, ids=[f"{d.relative_to(ROOT)}: {line[:60]}" for d, line in CASES])
def test_documented_command_exists_with_its_options(doc: Path, line: str) -> None:
    command: Any = ROOT_COMMAND
    words = _words(line)
    it = iter(words)
    for w in it:  # global options and command words, down to the command itself
        if not isinstance(command, typer.core.TyperGroup) or w in ("COMMAND", "..."):
            break
        if w == "--project":
            next(it, None)
        elif w.startswith("-"):
            assert w in GLOBAL, f"{doc.name}: `{line}`: {w} is not a global option"
        else:
            assert w in command.commands, f"{doc.name}: `{line}`: no command {w!r}"
            command = command.commands[w]
    allowed = _options(command) | GLOBAL
    for w in words:
        if w.startswith("--"):
            assert w.split("=")[0] in allowed, f"{doc.name}: `{line}`: {command.name} has no option {w}"
