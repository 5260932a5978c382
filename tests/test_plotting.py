"""The plotting package: registry, progress that never raises, the import rule, and every figure drawn
at a small size with its numbers checked against the public API."""

import ast
import io
import pathlib
import sys

import numpy as np
import pytest

from rgflow import _progress
from rgflow.plotting import figures

ROOT = pathlib.Path(__file__).resolve().parent.parent / "rgflow"
COMPUTATION = [
    "curves",
    "dynamics",
    "exact",
    "field",
    "flow",
    "krr",
    "langevin",
    "model",
    "predict",
    "results",
    "scaling",
    "surface",
    "transfer",
]


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
    monkeypatch.setattr(
        figures.importlib,
        "import_module",
        lambda mod: type("M", (), {"f": staticmethod(lambda out: [pathlib.Path(out) / "a.png"])}),
    )
    paths = figures.make_figures(tmp_path, only=["fig3", "fig10"])
    err = capsys.readouterr().err
    assert len(paths) == 2 and err.count(f"wrote {tmp_path / 'a.png'}") == 2 and "[2/2]" in err


# --------------------------------------------------------------------------- smoke test of every figure
# Each figure drawn at a small size (few modes, short grids), its files written, and the numbers on
# its axes compared with the same numbers computed here from the public API.
SMALL_MODEL = dict(alpha=0.2, beta=0.3, P=60, kappa=60 / 8**1.2, U=0.05)  # threshold k* = 8
SMALL = {
    "fig1-cutoffs": dict(params=SMALL_MODEL, cutoff1=30),
    "fig2-flow-field": dict(cutoff=100, n=24, taus=(0.0, 2.0)),
    "fig3-predictor": dict(params=SMALL_MODEL, langevin_options=dict(chains=8, steps=60, burn=30)),
    "fig4-transfer": dict(params=SMALL_MODEL, P_new=30),
    "fig5-scaling-law": dict(P_line="50:2000:8", P_mark="50:2000:3"),
    "fig6-transfer-map": dict(
        params=SMALL_MODEL, ratios=np.geomspace(0.5, 2.0, 4), map_U=np.linspace(0.02, 0.1, 3), line_U=(0.02, 0.1)
    ),
    "fig7-scaling-interval": dict(cases=[dict(SMALL_MODEL, k_star=8)], points=40),
    "fig8-kernel-ridge": dict(kappas=(4.0,), P_values=(20, 40)),
    "fig9-surface": dict(grid="100:3000:6", fine="100:3000:8"),
    "fig10-dynamics": dict(params=SMALL_MODEL, points=40),
    "fig11-real-data": dict(
        panels=(("wine", "rbf", "class"), ("wine", "laplace", "smooth")), kappas=(1.0,), draws=3, points=2
    ),
    "fig12-network-modes": dict(params={"alpha": 0.2, "beta": 0.3, "P": 12, "kappa": 1.0}, widths=(2, 8), samples=200),
    "fig13-network-curves": dict(P_values=(64, 128, 256)),
    "fig14-network-real": dict(widths=(4, 64), draws=4),
}


class Drawn:
    """What a figure showed at the moment it was saved (saving clears the figure): its size and, per
    axes, the y-limits and every line's label and data."""

    def __init__(self, fig):
        self.size = tuple(fig.get_size_inches())
        self.axes = [
            {
                "ylim": tuple(sorted(ax.get_ylim())),
                "lines": [
                    (
                        str(ln.get_label()),
                        np.asarray(ln.get_xdata(), dtype=float),
                        np.asarray(ln.get_ydata(), dtype=float),
                        ln.get_transform() == ax.transData,
                    )
                    for ln in ax.get_lines()
                ],
            }
            for ax in fig.axes
        ]

    def lines(self, axes=None):
        chosen = self.axes if axes is None else [self.axes[axes]]
        return [ln for ax in chosen for ln in ax["lines"]]

    def line(self, label, axes=None):
        """The one line whose label starts with ``label``: (label, x, y, in data coordinates)."""
        found = [ln for ln in self.lines(axes) if ln[0].startswith(label)]
        assert len(found) == 1, (label, [ln[0] for ln in self.lines(axes)])
        return found[0]


def _draw_small(name, tmp_path, monkeypatch):
    """Draw figure ``name`` with SMALL's arguments; return (Drawn, written paths)."""
    import importlib

    from rgflow.plotting import style
    from rgflow.plotting.figures import FIGURES

    mod_name, fn = FIGURES[name].split(":")
    mod = importlib.import_module(mod_name)
    drawn = {}
    original = style.save

    def keep(fig, out_dir, figname):
        drawn["fig"] = Drawn(fig)
        return original(fig, out_dir, figname)

    monkeypatch.setattr(style, "save", keep)
    if hasattr(mod, "save"):
        monkeypatch.setattr(mod, "save", keep)
    paths = getattr(mod, fn)(tmp_path, **SMALL[name])
    return drawn["fig"], paths


def test_every_figure_has_a_small_size():
    from rgflow.plotting.figures import FIGURES

    assert set(SMALL) == set(FIGURES)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_figure_draws_at_a_small_size(name, tmp_path, monkeypatch):
    if name in ("fig11-real-data", "fig14-network-real"):
        pytest.importorskip("sklearn")
    drawn, paths = _draw_small(name, tmp_path, monkeypatch)
    assert drawn.size[0] == pytest.approx(7.1) or drawn.size[0] <= 3.6 * 1.5  # page or column width
    assert {pathlib.Path(p).suffix for p in paths} >= {".png", ".pdf"}
    assert all(pathlib.Path(p).stat().st_size > 1000 for p in paths)
    assert drawn.lines(), "a figure draws lines"
    for label, x, y, _ in drawn.lines():  # every drawn number is finite (NaN, inf vanish silently from a plot)
        assert np.all(np.isfinite(x)) and np.all(np.isfinite(y)), (name, label)
    for ax in drawn.axes:  # no labelled curve is mostly outside its axes (guide lines may run out)
        lo, hi = ax["ylim"]
        for label, _, y, data in ax["lines"]:
            if data and y.size >= 2 and not label.startswith("_"):
                assert np.mean((y >= lo * (1 - 1e-9)) & (y <= hi * (1 + 1e-9))) > 0.5, (name, label)


def test_small_figures_show_the_numbers_they_were_drawn_from(tmp_path, monkeypatch):
    """The plotted arrays against the same quantities computed here from the public API."""
    from rgflow import Model, learning_curve, paper, predict
    from rgflow.curves import parse_P_values
    from rgflow.dynamics import default_times, dynamics
    from rgflow.plotting.style import STYLES
    from rgflow.transfer import transfer

    m = Model(**SMALL_MODEL)
    drawn, _ = _draw_small("fig3-predictor", tmp_path, monkeypatch)
    np.testing.assert_allclose(drawn.line(STYLES["rg"]["label"], axes=0)[2], predict(m, "rg").mean, rtol=1e-12)
    np.testing.assert_allclose(drawn.line(STYLES["gp"]["label"], axes=1)[2], predict(m, "gp").var, rtol=1e-12)

    drawn, _ = _draw_small("fig1-cutoffs", tmp_path, monkeypatch)
    np.testing.assert_allclose(drawn.line("reference", axes=2)[2], predict(m, "exact").mean, rtol=1e-12)

    drawn, _ = _draw_small("fig4-transfer", tmp_path, monkeypatch)
    e1, e3 = predict(m, "exact").mean, predict(transfer(m, 30).model, "exact").mean
    np.testing.assert_allclose(drawn.line("transferred, max")[2], np.abs(e3 / e1[:30] - 1), rtol=1e-9)

    drawn, _ = _draw_small("fig5-scaling-law", tmp_path, monkeypatch)
    gp = learning_curve(parse_P_values("50:2000:8"), paper.ALPHA, paper.BETA, paper.KAPPA, 0.0, "gp")
    _, x, y, _ = drawn.lines(axes=0)[0]
    np.testing.assert_allclose(x, gp.P)
    np.testing.assert_allclose(y, gp.loss, rtol=1e-12)

    drawn, _ = _draw_small("fig10-dynamics", tmp_path, monkeypatch)
    m0 = m.replace(U=0.0)
    g0 = dynamics(m0, default_times(m0, 40, t_max=0.3))
    _, x, y, _ = drawn.line("gradient flow, $U=0$")
    np.testing.assert_allclose(x, g0.t)
    np.testing.assert_allclose(y, g0.loss, rtol=1e-12)
