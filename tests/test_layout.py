"""Layout rules of issue 13 item 4: computation apart from presentation, callable modules, the CLI registry."""

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "rgflow"
PRESENTATION = (
    "rgflow.cli",
    "rgflow.plotting",
    "rgflow.plotting.render",
    "rgflow.figures",
    "rgflow.figure_",
    "matplotlib",
)
# figure code still living in computation modules (none since the plotting package landed)
PENDING_FIGURE_MODULES = set()
PENDING_FIGURE_FUNCTIONS = ()


def _module_name(path):
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted):
    base = ROOT.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _imports(path):
    """(target module, line, enclosing function names) of every import statement in ``path``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    out = []

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            inner = scope + (child.name,) if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope
            if isinstance(child, ast.Import):
                out.extend((alias.name, child.lineno, scope) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module
                for alias in child.names:  # `from . import x`: the submodule x, or an attribute of mod
                    sub = f"{mod}.{alias.name}"
                    out.append((sub if _is_module(sub) else mod, child.lineno, scope))
            visit(child, inner)

    visit(tree, ())
    return out


def test_computation_modules_import_no_presentation_and_not_the_package_init():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in ("cli", "plotting") or path.name == "__main__.py" or rel == pathlib.Path("__init__.py"):
            continue
        if path.name in PENDING_FIGURE_MODULES:
            continue
        for target, line, scope in _imports(path):
            bad = target == "rgflow" or any(
                target == p or target.startswith(p if p.endswith("_") else p + ".") for p in PRESENTATION
            )
            if bad and not any(f.startswith(PENDING_FIGURE_FUNCTIONS) for f in scope):
                offenders.append(f"{rel}:{line} imports {target}")
    assert offenders == []


def test_the_rule_sees_the_imports_it_forbids(tmp_path, monkeypatch):
    """The checker itself: it resolves relative imports, `from . import __version__` and function scopes."""
    path = ROOT / "_probe_for_test.py"
    src = (
        "from . import __version__\nfrom . import _io\nfrom .cli import main\n"
        "def figure_x():\n    from .plotting.render import pyplot\n"
    )
    try:
        path.write_text(src)
        got = {(t, s) for t, _, s in _imports(path)}
    finally:
        path.unlink()
    assert got == {("rgflow", ()), ("rgflow._io", ()), ("rgflow.cli", ()), ("rgflow.plotting.render", ("figure_x",))}


@pytest.mark.parametrize("name", ["flow", "predict", "transfer", "dynamics"])
def test_callable_modules(name):
    """`import rgflow.X` gives the module; `rgflow.X(...)` still calls the function X."""
    import importlib
    import inspect
    import types

    import rgflow
    from rgflow import Model

    mod = importlib.import_module(f"rgflow.{name}")
    assert isinstance(getattr(rgflow, name), types.ModuleType) and getattr(rgflow, name) is mod
    func = getattr(mod, name)
    assert inspect.isfunction(func) and inspect.signature(mod) == inspect.signature(func)
    m = Model(0.2, 0.3, 40, 2.0, 0.05)
    if name == "flow":
        assert rgflow.flow(m).end == func(m).end
    elif name == "predict":
        assert rgflow.predict(m, "gp").loss == func(m, "gp").loss
    elif name == "transfer":
        assert rgflow.transfer(m, 20).model == func(m, 20).model
    else:
        import numpy as np

        t = np.geomspace(1e-3, 1.0, 5)
        np.testing.assert_array_equal(rgflow.dynamics(m, t).loss, func(m, t).loss)


def test_import_rgflow_flow_as_gives_the_module():
    code = "import rgflow.flow as f, rgflow.predict as p; print(f.SCHEMES, p.METHODS[0] if isinstance(p.METHODS, tuple) else list(p.METHODS)[0])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_subcommand_is_registered_with_a_description_and_an_example(capsys):
    from rgflow.cli import SUBCOMMANDS, build_parser, main
    from rgflow.cli._common import COMMANDS

    build_parser()
    assert set(COMMANDS) == set(SUBCOMMANDS)
    for name in SUBCOMMANDS:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        cmd = COMMANDS[name]
        assert len(cmd.description) > 40 and cmd.description.split()[0] in out
        assert f"example:\n  {cmd.example}" in out and cmd.example.startswith(f"rgflow {name}")


@pytest.mark.parametrize("name", ["predict", "flow", "transfer", "curve", "scaling", "field", "surface", "dynamics"])
def test_every_example_runs_and_draws(name, tmp_path, monkeypatch, capsys):
    """The example of each `--help` works as printed; --plot writes a real PNG/PDF/SVG."""
    import shlex

    from rgflow.cli import build_parser, main
    from rgflow.cli._common import COMMANDS

    build_parser()
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(COMMANDS[name].example)[1:]
    assert main(argv) == 0, capsys.readouterr().err
    magic = {".png": b"\x89PNG", ".pdf": b"%PDF", ".svg": b"<?xml"}
    files = sorted(tmp_path.iterdir())
    assert files, "the example writes no file"
    for f in files:
        if f.suffix in magic:
            assert f.read_bytes().startswith(magic[f.suffix]), f.name


def _module_graph():
    """{module: set of rgflow modules it imports, at top level or inside a function} over the
    computation modules (the package __init__, the CLI and the plotting package import everything)."""
    graph = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in ("cli", "plotting") or path.name in ("__init__.py", "__main__.py"):
            continue
        name = _module_name(path)
        graph[name] = {t for t, _, _ in _imports(path) if t.startswith("rgflow.") and t != name}
    return graph


def _cycles(graph):
    """Every strongly connected component with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
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
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_between_computation_modules():
    """Data flows one way: no two computation modules import each other, not even lazily inside a
    function (the lazy import that dodged the model ↔ ridge cycle is gone: ridge imports no model)."""
    graph = _module_graph()
    assert "rgflow.ridge" in graph and "rgflow.model" in graph
    assert "rgflow.ridge" in graph["rgflow.model"]
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


# public names that two computation modules still define differently; each owner's branch removes
# its entry (the test fails when the list is longer than the truth, so it can only shrink)
KNOWN_DOUBLE_NAMES = {"SCHEMES": {"flow", "langevin"}}  # flow schemes vs sampler schemes


def test_one_meaning_per_public_name():
    """A name in the __all__ of two public computation modules is the same object in both (no two
    METHODS, no two fit_power_law with different meanings)."""
    import collections
    import importlib
    import pkgutil

    import rgflow

    seen = collections.defaultdict(dict)
    for info in pkgutil.iter_modules(rgflow.__path__):
        if info.name.startswith("_") or info.name in ("cli", "plotting"):
            continue
        mod = importlib.import_module(f"rgflow.{info.name}")
        for name in getattr(mod, "__all__", ()):
            seen[name][info.name] = getattr(mod, name)
    doubles = {name: set(where) for name, where in seen.items() if len({id(o) for o in where.values()}) > 1}
    assert doubles == KNOWN_DOUBLE_NAMES
    assert set(seen["METHODS"]) == {"predict"} and set(seen["fit_power_law"]) == {"data"}
