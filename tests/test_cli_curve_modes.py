"""``rgflow curve --modes``: the per-mode learning curves L_k(P) and (1 − L_k)² y_k² on the command line (issue 24
item 5), against :func:`rgflow.ridge.ridge_errors` at each P (U = 0, the ridge's own learnabilities)."""

import json

import numpy as np
import pytest

from rgflow.cli import main
from rgflow.ridge import ridge_errors


@pytest.mark.parametrize("ridge", ["renormalized", "bare"])
def test_curve_modes_match_ridge_errors_at_each_P(ridge, tmp_path, capsys):
    k = np.arange(1, 61.0)
    lam, y = k**-1.4, np.where(k % 2, 1.0, -1.0) * k**-0.9
    np.savez(tmp_path / "s.npz", eigenvalues=lam, target=y)
    Ps, kappa, modes = (20, 40, 80), 0.5, (1, 7, 19)
    argv = ["curve", "--spectrum", str(tmp_path / "s.npz"), "--kappa", str(kappa), "--P", "20,40,80"]
    argv += ["--method", "gp", "--ridge", ridge, "--modes", "1,7,19"]
    assert main([*argv, "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert "modes" not in d and d["params"]["ridge"] == ridge
    for m in modes:
        ref = [ridge_errors(lam, y, P, kappa, ridge) for P in Ps]
        np.testing.assert_allclose(d[f"learnability_{m}"], [r.L[m - 1] for r in ref], rtol=1e-10)
        np.testing.assert_allclose(
            d[f"error_{m}"], [(1 - r.L[m - 1]) ** 2 * y[m - 1] ** 2 for r in ref], rtol=1e-9, atol=1e-300
        )
    assert main([*argv, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    cols = lines[1].split(",")
    assert cols[-6:] == ["learnability_1", "error_1", "learnability_7", "error_7", "learnability_19", "error_19"]
    row = dict(zip(cols, lines[3].split(",")))
    assert float(row["learnability_7"]) == pytest.approx(ridge_errors(lam, y, 40, kappa, ridge).L[6], rel=1e-12)


@pytest.mark.parametrize("modes,match", [("0", "--modes must be"), ("a,2", "--modes must be"), ("61", "exceeds")])
def test_curve_modes_bad_input_is_one_line(modes, match, capsys):
    argv = ["curve", "--alpha", "0.2", "--beta", "0.3", "--kappa", "1", "--P", "20,40", "--cutoff", "60"]
    assert main([*argv, "--method", "gp", "--modes", modes]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rgflow: error: ") and match in err and err.count("\n") == 1
