"""Helpers shared by the Terraform tests: the rendered imports, HCL access, running terraform offline."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
MODULES = TERRAFORM / "modules"
ENV_EXAMPLE = TERRAFORM / "environments" / "example"
FIXTURE_RENDER = Path(__file__).resolve().parent / "fixtures" / "render"

FUNCTIONS = ("plan", "process_batch", "dedupe", "commit", "failure", "download_list", "download_file", "download_finish")
PLACEHOLDER_RE = re.compile(r"\$\{([a-z_]+)\}")
# Plugin directories holding hashicorp/aws for offline `terraform init -plugin-dir`.
PLUGIN_DIR_CANDIDATES = (
    os.environ.get("LOCKGATE_TF_PLUGIN_DIR", ""),
    "/opt/tf-plugins",
    str(Path.home() / ".terraform.d" / "plugins"),
)


def uq(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals: '"x"' -> 'x' (recursively)."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [uq(v) for v in value]
    if isinstance(value, dict):
        return {uq(k): uq(v) for k, v in value.items()}
    return value


def load_hcl(path: Path) -> dict[str, Any]:
    with path.open() as fh:
        return uq(hcl2.load(fh))


def hcl_locals(path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block in load_hcl(path).get("locals", []):
        out.update(block)
    return out


def hcl_resources(path: Path, rtype: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block in load_hcl(path).get("resource", []):
        out.update(block.get(rtype, {}))
    return out


def import_names(doc: Any) -> list[str]:
    """imports.json: a JSON list of names, or {"imports": [...]}; entries are names or {"name": ...}."""
    items = doc.get("imports", []) if isinstance(doc, dict) else doc
    return sorted(i["name"] if isinstance(i, dict) else str(i) for i in items)


def walk(node: Any) -> Any:
    """Yield every dict in a JSON tree."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


@dataclass
class RenderedImport:
    name: str
    dir: Path
    terraform: dict[str, Any]
    definition_text: str
    definition: dict[str, Any] = field(repr=False)

    @classmethod
    def load(cls, render_dir: Path, name: str) -> RenderedImport:
        d = render_dir / name
        text = (d / "definition.asl.json").read_text()
        return cls(
            name=name,
            dir=d,
            terraform=json.loads((d / "terraform.json").read_text()),
            definition_text=text,
            definition=json.loads(text),
        )

    def resources(self) -> set[str]:
        return {n["Resource"] for n in walk(self.definition) if isinstance(n.get("Resource"), str)}

    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER_RE.findall(self.definition_text))

    def functions(self) -> set[str]:
        return {f for f in FUNCTIONS if f"{f}_function_arn" in self.placeholders()}

    def glue_arguments(self) -> set[str]:
        args: set[str] = set()
        for n in walk(self.definition):
            if str(n.get("Resource", "")).startswith("arn:aws:states:::glue:startJobRun"):
                args |= {k.removesuffix(".$") for k in n.get("Parameters", {}).get("Arguments", {})}
        return args


def resolved_options(script: Path) -> set[str]:
    """The option names a Glue script asks getResolvedOptions for, read with ast (never imported)."""
    tree = ast.parse(script.read_text(), filename=str(script))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            fname = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            if fname == "getResolvedOptions" and len(node.args) >= 2:
                try:
                    value = ast.literal_eval(node.args[1])
                except ValueError:
                    value = _resolve_name(tree, node.args[1])
                names |= {f"--{v}" for v in value}
    return names


def _resolve_name(tree: ast.Module, node: ast.expr) -> list[str]:
    """getResolvedOptions(sys.argv, ARGS) with ARGS = [...] assigned at module level."""
    if isinstance(node, ast.Name):
        for stmt in tree.body:
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else [stmt.target]
                if isinstance(stmt, ast.AnnAssign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == node.id for t in targets) and stmt.value is not None:
                return list(ast.literal_eval(stmt.value))
    raise AssertionError(
        f"cannot read the getResolvedOptions option list ({ast.dump(node)[:80]}); pass a literal list or a module-level constant"
    )


@dataclass
class TfWorkspace:
    """terraform/ copied to a temp dir; every command runs with its own TF_DATA_DIR there."""

    root: Path
    binary: str
    env: dict[str, str]

    def run(self, args: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
        env = dict(self.env, TF_DATA_DIR=str(cwd / ".tfdata"))
        return subprocess.run(
            [self.binary, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )

    def init(self, cwd: Path) -> tuple[bool, str]:
        """Offline init from a local plugin dir when one has hashicorp/aws, else the registry."""
        attempts: list[str] = []
        for plugin_dir in [
            p
            for p in PLUGIN_DIR_CANDIDATES
            if p and (Path(p) / "registry.terraform.io" / "hashicorp" / "aws").is_dir()
        ]:
            proc = self.run(
                ["init", "-backend=false", "-input=false", f"-plugin-dir={plugin_dir}"], cwd, timeout=120
            )
            if proc.returncode == 0:
                return True, f"provider from {plugin_dir}"
            attempts.append(f"-plugin-dir={plugin_dir}: {last_error(proc)}")
        try:
            proc = self.run(["init", "-backend=false", "-input=false"], cwd, timeout=90)
        except subprocess.TimeoutExpired:
            attempts.append("registry: timed out after 90 s")
        else:
            if proc.returncode == 0:
                return True, "provider from the registry"
            attempts.append(f"registry: {last_error(proc)}")
        return False, "; ".join(attempts)


def offline_env() -> dict[str, str]:
    """The environment terraform runs with in the tests: no prompts, no checkpoint calls."""
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
    if not Path(env.get("TF_CLI_CONFIG_FILE", "/nonexistent")).exists():
        env.pop("TF_CLI_CONFIG_FILE", None)  # a dangling CLI config only produces warnings
    return env


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def last_error(proc: subprocess.CompletedProcess[str]) -> str:
    text = strip_ansi(proc.stderr or proc.stdout)
    lines = [ln.strip(" │╷╵") for ln in text.splitlines() if ln.strip(" │╷╵")]
    errors = [ln for ln in lines if ln.startswith("Error")]
    return (errors or lines or ["no output"])[0][:300]
