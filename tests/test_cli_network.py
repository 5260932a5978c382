"""The CLI contract of networks (issue 22): --width/--depth/--parameterization on predict, curve, transfer
and sweep, for power laws and measured spectra; the numbers are those of the Python API, which
tests/test_network.py checks against independent quadrature."""

import json
import subprocess
import sys

import numpy as np
import pytest

import rgflow


def _run(*args):
    return subprocess.run([sys.executable, "-m", "rgflow", *args], capture_output=True, text=True)


BASE = ["--alpha", "0.4", "--beta", "0.6", "--P", "30", "--kappa", "2.0"]


@pytest.mark.parametrize("method", ["exact", "gp", "pt1", "rg", "mean-field"])
@pytest.mark.parametrize("par", ["standard", "mean-field"])
def test_predict_json_echoes_the_network_and_matches_the_api(method, par):
    proc = _run(
        "predict",
        *BASE,
        "--width",
        "6",
        "--depth",
        "2",
        "--parameterization",
        par,
        "--method",
        method,
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"width": 6, "depth": 2, "parameterization": par}.items() <= out["params"].items()
    api = rgflow.predict(rgflow.Model(0.4, 0.6, 30, 2.0, width=6, depth=2, parameterization=par), method)
    assert len(out["mean"]) == len(out["var"]) == 30
    assert np.allclose(out["mean"], api.mean, rtol=1e-12, atol=0) and np.allclose(out["var"], api.var, rtol=1e-12)


def test_predict_sample_is_seeded():
    args = ("predict", *BASE, "--width", "4", "--method", "sample", "--seed", "3", "--format", "json")
    a, b = _run(*args), _run(*args)
    assert a.returncode == 0, a.stderr
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    assert da["mean"] == db["mean"] and "mean_stderr" in da


def test_predict_network_on_a_measured_spectrum(tmp_path):
    lam = np.sort(np.random.default_rng(0).uniform(0.01, 1.0, 25))[::-1]
    y = np.random.default_rng(1).normal(size=25) * np.sqrt(lam)
    path = tmp_path / "s.npz"
    np.savez(path, eigenvalues=lam, target=y)
    proc = _run(
        "predict",
        "--spectrum",
        str(path),
        "--P",
        "25",
        "--kappa",
        "0.5",
        "--width",
        "5",
        "--method",
        "exact",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    api = rgflow.predict(rgflow.Model.from_spectrum(rgflow.Measured(lam, y), 25, 0.5, width=5), "exact")
    assert np.allclose(out["mean"], api.mean, rtol=1e-12) and out["params"]["width"] == 5


def test_curve_transfer_and_sweep_take_the_network_flags():
    curve = _run(
        "curve",
        "--alpha",
        "0.4",
        "--beta",
        "0.6",
        "--kappa",
        "2",
        "--P",
        "20,40",
        "--width",
        "8",
        "--method",
        "exact",
        "--format",
        "json",
    )
    assert curve.returncode == 0, curve.stderr
    loss = json.loads(curve.stdout)["loss"]
    for P, value in zip((20, 40), loss):
        assert abs(value / rgflow.predict(rgflow.Model(0.4, 0.6, P, 2.0, width=8), "exact").loss - 1) < 1e-12
    tr = _run("transfer", *BASE, "--width", "8", "--to-P", "15", "--format", "json")
    assert tr.returncode == 0, tr.stderr
    row = json.loads(tr.stdout)
    assert row["P"] == 15 and row["width"] >= 1 and row["params"]["width"] == 8
    sw = _run(
        "sweep",
        "--alpha",
        "0.4",
        "--beta",
        "0.6",
        "--P",
        "20",
        "--kappa",
        "2",
        "--width",
        "4,16",
        "--method",
        "gp",
        "--format",
        "json",
        "--quiet",
    )
    assert sw.returncode == 0, sw.stderr
    assert [r["width"] for r in json.loads(sw.stdout)] == [4, 16]


@pytest.mark.parametrize(
    "flags, name",
    [
        (["--width", "0"], "width"),
        (["--width", "2.5"], "width"),
        (["--width", "4", "--depth", "0"], "depth"),
        (["--width", "4", "--U", "0.1"], "U"),
        (["--width", "4", "--parameterization", "ntk"], "parameterization"),
        (["--depth", "2"], "width"),
        (["--width", "4", "--method", "langevin"], "langevin"),
    ],
)
def test_bad_network_flags_are_one_line_exit_2(flags, name):
    proc = _run("predict", *BASE, *flags)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rgflow: error:") and name in lines[0], proc.stderr
