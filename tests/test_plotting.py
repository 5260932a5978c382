"""The plotting package: registry, progress that never raises, and the import rule."""
import ast
import io
import pathlib
import sys

import pytest

from rgflow import _progress
from rgflow.plotting import figures

ROOT = pathlib.Path(__file__).resolve().parent.parent / "rgflow"
COMPUTATION = ["curves", "dynamics", "exact", "field", "flow", "krr", "langevin", "model", "predict",
               "results", "scaling", "surface", "transfer"]


@pytest.mark.parametrize("name", COMPUTATION)
def test_computation_modules_do_not_import_plotting(name):
    """No computation module imports rgflow.plotting or matplotlib, except inside a ``cli`` function
    (the command line, which moves to the CLI package)."""
    tree = ast.parse((ROOT / f"{name}.py").read_text())
    bad = []

    def visit(node, in_cli):
        for child in ast.iter_child_nodes(node):
            inside = in_cli or (isinstance(child, ast.FunctionDef) and child.name == "cli")
            if isinstance(child, (ast.Import, ast.ImportFrom)) and not inside:
                mods = [a.name for a in child.names] if isinstance(child, ast.Import) else [child.module or ""]
                bad.extend(m for m in mods if "plotting" in m or m.startswith("matplotlib"))
            visit(child, inside)

    visit(tree, False)
    assert not bad, f"rgflow.{name} imports {bad}"


def test_every_figure_module_exists_and_has_its_function():
    import importlib

    for name, target in figures.FIGURES.items():
        mod, fn = target.split(":")
        assert callable(getattr(importlib.import_module(mod), fn)), name


class _Broken(io.StringIO):
    def write(self, s):
        raise BrokenPipeError("stderr closed")


@pytest.mark.parametrize("stream", [None, _Broken()])
def test_progress_never_raises(monkeypatch, stream):
    monkeypatch.setattr(sys, "stderr", stream)
    _progress.say("hello")
    with _progress.Progress("job", 3) as bar:
        for _ in range(3):
            bar.step("x")


def test_progress_writes_one_line_per_step_off_a_terminal(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buf)
    with _progress.Progress("job", 2) as bar:
        bar.step("a")
        bar.step("b")
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("rgflow: job [") and "1/2" in lines[0] and "2/2" in lines[1]


def test_make_figures_reports_every_written_path(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(figures, "_available", lambda: {n: ("m", "f") for n in figures.FIGURES})
    monkeypatch.setattr(figures.importlib, "import_module",
                        lambda mod: type("M", (), {"f": staticmethod(lambda out: [pathlib.Path(out) / "a.png"])}))
    paths = figures.make_figures(tmp_path, only=["fig3", "fig10"])
    err = capsys.readouterr().err
    assert len(paths) == 2 and err.count(f"wrote {tmp_path / 'a.png'}") == 2 and "[2/2]" in err
