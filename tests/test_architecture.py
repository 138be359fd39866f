"""The house matches the data's path: stages import only downwards, no module imports itself
back through others, and no source file grows past about 400 lines unless it is one cohesive
thing (named here and in the README's architecture section)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# files → documents → clauses → chunks → indexes → retrieval → answer → the surfaces over it
STAGES = {"ingest": 0, "index": 1, "retrieval": 2, "qa": 3, "ui": 4, "eval": 4, "training": 4, "cli": 5}
NEUTRAL = {"settings"}  # read by every stage, imports none
MAX_LINES = 400
COHESIVE = {  # one thing each, longer than MAX_LINES (README, "Architecture")
    "ingest.pdf",  # one PDF reader: characters → lines → pages, with the page furniture it drops
    "ingest.structure_en",  # one reader of English legislation's structure, with the furniture it skips
}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in [*STAGES, *NEUTRAL]:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING" or (
        isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, bool]]:
    """(imported project module, at run time) for every import in the file."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: list[tuple[str, bool]] = []

    def resolve(mod: str) -> str | None:
        while mod and mod not in modules:
            mod = mod.rsplit(".", 1)[0] if "." in mod else ""
        return mod or None

    def visit(node: ast.AST, runtime: bool) -> None:
        for child in ast.iter_child_nodes(node):
            rt = runtime and not (isinstance(child, ast.If) and _is_type_checking(child))
            if isinstance(child, ast.Import):
                for a in child.names:
                    if (m := resolve(a.name)):
                        found.append((m, rt))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    up = package.split(".")
                    up = up[: len(up) - child.level + 1]
                    base = ".".join([*up, base] if base else up)
                for a in child.names:
                    if (m := resolve(f"{base}.{a.name}") or resolve(base)):
                        found.append((m, rt))
            visit(child, rt)

    visit(tree, True)
    return [(m, rt) for m, rt in found if m != name]


MODULES = _modules()
GRAPH = {name: _imports(name, path, MODULES) for name, path in MODULES.items()}


def test_every_stage_imports_only_its_own_and_lower_stages():
    wrong = []
    for name, imports in GRAPH.items():
        top = name.split(".")[0]
        for target, _ in imports:
            other = target.split(".")[0]
            if top in NEUTRAL and other not in NEUTRAL:
                wrong.append(f"{name} → {target} (settings import no stage)")
            elif other in STAGES and top in STAGES and STAGES[other] > STAGES[top]:
                wrong.append(f"{name} → {target}")
    assert not wrong, "imports running back up the stages:\n" + "\n".join(wrong)


def test_no_import_loops():
    graph = {n: {t for t, runtime in imps if runtime} for n, imps in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    loops: list[list[str]] = []

    def strong(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                loops.append(sorted(comp))

    for v in graph:
        if v not in index:
            strong(v)
    # a package's __init__ importing its own modules is not a loop of rooms
    loops = [c for c in loops if not any(len(set(c) - {p}) and all(x == p or x.startswith(p + ".") for x in c)
                                         and p in c for p in c)]
    assert not loops, f"import loops: {loops}"


def test_the_import_graph_holds_the_imports_it_must():
    """The graph the two checks above read has the edges the code has (an empty graph would pass them)."""
    assert ("qa.wording", True) in GRAPH["qa.extractive"]
    assert any(t.startswith("retrieval") for t, _ in GRAPH["qa.extractive"])
    assert all(not t.startswith("qa") for t, _ in GRAPH["retrieval.retriever"])


@pytest.mark.parametrize("name", [n for n in MODULES if n.split(".")[0] in ("ingest", "index", "retrieval", "qa", "ui")])
def test_no_room_is_too_big(name):
    lines = len(MODULES[name].read_text("utf-8").splitlines())
    assert lines <= MAX_LINES or name in COHESIVE, f"{name} has {lines} lines: split it, or say why it is one thing"
