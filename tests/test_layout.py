"""The package's shape: no import cycles between its modules (lazy imports inside functions included)."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).parents[1] / "src" / "hssm_nre"


def module_name(path: Path) -> str:
    parts = path.relative_to(PKG).with_suffix("").parts
    return ".".join(("hssm_nre", *parts)).removesuffix(".__init__")


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Package modules imported anywhere in ``path`` (module level or inside functions)."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    typing_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and getattr(block.test, "id", None) == "TYPE_CHECKING"
        for n in ast.walk(block)
    }
    out = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:  # annotations only: never imported at run time
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        out |= {c for c in candidates if c in modules and c != me}
    return out


def graph() -> dict[str, set[str]]:
    paths = sorted(PKG.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) - {"hssm_nre"} for p in paths}


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(g.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state and (c := visit(n)):
                return c
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(g):
        if m not in state and (c := visit(m)):
            return c
    return None


def test_no_import_cycles():
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("hssm_nre.net", "hssm_nre.store"),
        ("hssm_nre.net", "hssm_nre.training"),
        ("hssm_nre.store", "hssm_nre.integrations"),
    ],
)
def test_layers_import_downward_only(lower, upper):
    g = graph()
    bad = sorted(
        f"{m} -> {n}" for m, deps in g.items() if m.startswith(lower) for n in deps if n.startswith(upper)
    )
    assert not bad, bad


def test_every_benchmark_script_is_listed_in_the_benchmarks_readme():
    """Eight scripts had drifted out of benchmarks/README.md; a new one now has to be listed."""
    bench = Path(__file__).parents[1] / "benchmarks"
    readme = (bench / "README.md").read_text()
    scripts = sorted(p.relative_to(bench).as_posix() for p in bench.rglob("*.py") if "results" not in p.parts)
    assert scripts, "no benchmark scripts found"
    missing = [s for s in scripts if f"`{s}`" not in readme and f"`{s.rsplit('/', 1)[-1]}`" not in readme]
    assert not missing, f"list these in benchmarks/README.md: {missing}"
