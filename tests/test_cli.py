"""CLI contracts: JSON keys, CSV, errors as one line with status 2, atomic output files."""

import json
import subprocess
import sys

import numpy as np
import pytest

from rgflow import Model, predict
from rgflow.cli import main

ARGS = ["--alpha", "0.2", "--beta", "0.3", "--P", "50", "--kappa", "2.0", "--U", "0.05"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("method", ["exact", "gp", "pt1", "rg", "rg-cutoff"])
def test_predict_json_contract(capsys, method):
    code, out, err = run(capsys, "predict", *ARGS, "--method", method, "--format", "json")
    assert code == 0 and err == ""
    obj = json.loads(out)
    assert {"method", "params", "k", "mean", "var"} <= set(obj)
    assert obj["method"] == method and obj["params"]["P"] == 50 and len(obj["k"]) == 50
    ref = predict(Model(0.2, 0.3, 50, 2.0, 0.05), method)
    np.testing.assert_allclose(obj["mean"], ref.mean, rtol=1e-15)
    np.testing.assert_allclose(obj["var"], ref.var, rtol=1e-15)


def test_predict_csv(capsys):
    code, out, _ = run(capsys, "predict", *ARGS, "--method", "gp", "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("# rgflow=") and "method=gp" in lines[0]
    assert lines[1] == "k,mean,var"
    data = np.loadtxt(out.splitlines(), delimiter=",", skiprows=2)
    assert data.shape == (50, 3)


def test_flow_json_contract(capsys):
    for scheme in ("continuum", "discrete"):
        code, out, _ = run(capsys, "flow", *ARGS, "--scheme", scheme, "--format", "json", "--points", "7")
        obj = json.loads(out)
        assert code == 0
        assert {"tau", "k_c", "r", "u", "s", "r_hat", "U_hat"} <= set(obj)
        assert obj["k_c"][0] == 50 and obj["r"][0] == pytest.approx(25.0)


@pytest.mark.parametrize(
    "argv,word",
    [
        (["predict", "--alpha", "-1", "--beta", "0.3", "--P", "10", "--kappa", "1"], "alpha"),
        (["predict", "--alpha", "0.2", "--beta", "0.3", "--P", "10.5", "--kappa", "1"], "--P"),
        (["predict", "--alpha", "0.2", "--beta", "0.3", "--P", "10", "--kappa", "0"], "kappa"),
        (["predict", "--alpha", "0.2", "--beta", "0.3", "--P", "10", "--kappa", "1", "--U", "-1"], "U"),
        (["predict", "--alpha", "nan", "--beta", "0.3", "--P", "10", "--kappa", "1"], "alpha"),
        (["predict", "--alpha", "0.2", "--beta", "0.3", "--P", "10", "--kappa", "1", "--method", "x"], "method"),
        (["predict", "--alpha", "0.2", "--beta", "0.3", "--P", "10"], "kappa"),
        (["flow", *ARGS, "--scheme", "nope"], "scheme"),
        (["bogus"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_status_2(capsys, argv, word):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rgflow: error: ") and word in err


def test_out_file_is_written_atomically(tmp_path, capsys):
    target = tmp_path / "pred.json"
    target.write_text("old")
    code, out, _ = run(capsys, "predict", *ARGS, "--method", "gp", "--out", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["method"] == "gp"
    # a failing run leaves the old file intact and no temporary file behind
    code, _, _ = run(
        capsys, "predict", "--alpha", "-1", "--beta", "0.3", "--P", "5", "--kappa", "1", "--out", str(target)
    )
    assert code == 2 and json.loads(target.read_text())["method"] == "gp"
    assert [p.name for p in tmp_path.iterdir()] == ["pred.json"]


def test_console_script_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "rgflow", "predict", "--alpha", "0", "--beta", "0", "--P", "3", "--kappa", "1"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("rgflow: error: alpha")


def test_figure_names_select_exactly(monkeypatch):
    """``--only fig1`` is fig1-cutoffs, not also fig10; an unknown name is a ValueError."""
    from rgflow.plotting import figures

    made = []
    monkeypatch.setattr(figures, "_available", lambda: {n: ("m", "f") for n in figures.FIGURES})
    monkeypatch.setattr(
        figures.importlib,
        "import_module",
        lambda mod: type("M", (), {"f": staticmethod(lambda out: made.append(out) or [out])}),
    )
    figures.make_figures("x", only=["fig1"])
    assert len(made) == 1
    with pytest.raises(ValueError, match="only must name figures"):
        figures.make_figures("x", only=["fig99"])


def test_import_is_light_and_the_api_is_flat():
    """`import rgflow` loads no scipy, sympy or matplotlib; the public names are the functions."""
    code = (
        "import sys, inspect, rgflow\n"
        "heavy = [m for m in ('scipy', 'sympy', 'matplotlib', 'mpmath') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "CALLABLE = {'flow', 'predict', 'transfer', 'dynamics'}\n"
        "import rgflow.transfer, rgflow.dynamics\n"
        "for name in rgflow.__all__:\n"
        "    obj = getattr(rgflow, name)\n"
        "    # issue 13: flow, predict, transfer, dynamics are callable modules (tests/test_layout.py)\n"
        "    assert not inspect.ismodule(obj) or (name in CALLABLE and callable(obj)), name\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
