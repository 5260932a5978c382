"""Issue 16's command-line points: predict's JSON, scaling without a window, surface fits that the
grid cannot determine and their uncertainty, one convention for keys, lists and defaults."""

import json
import shlex

import numpy as np
import pytest

from rgflow import Model, predict
from rgflow.cli import main

PAPER = "--alpha 0.2 --beta 0.3 --P 1000 --kappa 3.981 --U 0.05"


def run(capsys, argv):
    code = main(shlex.split(argv) if isinstance(argv, str) else list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_predict_json_has_loss_bias_variance_info_and_integer_k(capsys):
    code, out, err = run(capsys, "predict --alpha 0.2 --beta 0.3 --P 60 --kappa 2 --U 0.05 --method rg-1loop")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["k"] == list(range(1, 61)) and all(type(k) is int for k in obj["k"])
    mean, var = np.array(obj["mean"]), np.array(obj["var"])
    assert obj["bias"] == pytest.approx(np.sum(mean**2), rel=1e-13)
    assert obj["variance"] == pytest.approx(np.sum(var), rel=1e-13)
    assert obj["loss"] == pytest.approx(obj["bias"] + obj["variance"], rel=1e-13)
    # info: the one-loop end couplings and the mean-field gap, recomputed from the mean-field predictor
    mf = predict(Model(0.2, 0.3, 60, 2.0, 0.05), "mean-field").mean
    assert obj["info"]["mean_field_gap"] == pytest.approx(np.max(np.abs(mean / mf - 1)), rel=1e-6)
    assert {"r_end", "u_end"} <= set(obj["info"])


def test_scaling_without_a_massless_window_fails_and_says_what_to_change(capsys):
    code, out, err = run(capsys, f"scaling {PAPER}")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("rgflow: error: no massless window") and "--r-hat-max 0.13" in err
    lam_cut = 1000**-1.2
    assert f"{(1000 / 3.981) * lam_cut:.3g}" in err  # r̂(0) = r λ_Λ, computed here
    code, out, err = run(capsys, f"scaling {PAPER} --r-hat-max 0.13")  # the suggestion works
    assert code == 0, err
    obj = json.loads(out)
    assert obj["window_tau"][1] > 0.3
    assert None not in obj["U"]["measured"]["U_hat_flow"] and None not in obj["r"]["measured"]["r_hat_flow"]
    assert run(capsys, f"scaling {PAPER} --r-hat-max -1")[0] == 2


def test_surface_fit_refuses_a_grid_that_cannot_determine_it(capsys):
    code, out, err = run(capsys, "surface --alpha 0.2 --beta 0.3 --kappa 3.981 --P 100:1e5:3 --cutoff 100:1e5:3 --fit")
    assert code == 2 and out == "" and err.count("\n") == 1 and "grid" in err and "parameters" in err


def test_surface_fit_on_a_small_grid_is_not_an_interpolation(capsys):
    """4 × 4 used to give a spread of 1e-12 (24 knots through 16 points); now residuals remain and
    the standard errors cover the distance to the predicted exponents."""
    code, out, err = run(capsys, "surface --alpha 0.2 --beta 0.3 --kappa 3.981 --P 100:1e5:4 --cutoff 100:1e5:4 --fit")
    assert code == 0, err
    fit = json.loads(out)["fit"]
    for part in ("bias", "variance"):
        f = fit[part]
        assert f["spread_fitted"] > 1e-4 and f["dof"] >= 4
        for key in ("c/a", "b/a"):
            assert 0 < f["stderr"][key] < 0.05
            assert abs(f["fitted"][key] - f["predicted"][key]) < 3 * f["stderr"][key] + 3e-3


def test_fit_standard_errors_match_the_scatter_under_known_noise():
    """Linearized standard errors against a Monte Carlo: an exact scaling surface ln L = (c/a) ln P +
    g(ln Λ − (b/a) ln P) times exp(σ ε), ε standard normal; the fitted exponents scatter as the
    reported standard errors say (within sampling error of 40 repetitions)."""
    from rgflow.surface import continuum_surface, fit_scaling

    s = continuum_surface("1000:1e6:8", "1000:1e6:8", alpha=1.0, beta=1.5, kappa=1.0)
    rng = np.random.default_rng(3)
    sigma = 2e-3
    fits = [
        fit_scaling(s.P, s.cutoff, s.variance * np.exp(sigma * rng.standard_normal(s.variance.shape)))
        for _ in range(40)
    ]
    for key in ("c/a", "b/a"):
        scatter = np.std([f[key] for f in fits], ddof=1)
        reported = np.median([f["stderr"][key] for f in fits])
        assert 0.6 < reported / scatter < 1.6, (key, reported, scatter)


def test_field_writes_to_stdout_and_names_keys_by_the_view(capsys):
    code, out, err = run(capsys, "field --alpha 0.2 --tau 0:2:3 --n 12")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["tau"] == [0.0, 1.0, 2.0] and obj["rescaled"]  # a range, linear in τ; rescaled by default
    code, out_csv, err = run(capsys, "field --alpha 0.2 --tau 0,1,2 --n 12 --format csv")
    assert code == 0, err
    lines = [ln for ln in out_csv.splitlines() if not ln.startswith("#")]
    names = lines[0].split(",")
    assert names[:5] == ["tau", "U_hat", "r_hat", "dU_hat", "dr_hat"]
    data = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]])
    for j, key in enumerate(names[1:5], start=1):  # the JSON has the same key with the same numbers
        np.testing.assert_array_equal(
            np.broadcast_to(
                np.array(obj[key])[:, None, :]
                if key == "U_hat"
                else np.array(obj[key])[:, :, None]
                if key == "r_hat"
                else np.array(obj[key]),
                (3, 12, 12),
            ).ravel(),
            data[:, j],
        )
    assert run(capsys, "field --alpha 0.2 --n 5 --format csv --out f.json")[0] == 2


def test_transfer_csv_header_carries_the_json_params(capsys):
    code, out, _ = run(capsys, f"transfer {PAPER} --to-P 500")
    params = json.loads(out)["params"]
    code, out, _ = run(capsys, f"transfer {PAPER} --to-P 500 --format csv")
    header = dict(item.split("=", 1) for item in out.splitlines()[0][2:].split())
    for key, value in params.items():
        if isinstance(value, str):  # the ridge's name (every output names it, issue 24 item 7)
            assert header[key] == value
        else:
            assert float(header[key]) == pytest.approx(value, rel=1e-12)
    assert params["ridge"] == "bare" and not any(key.startswith("from_") for key in header)


def test_predictor_method_defaults_are_one():
    from rgflow.cli import build_parser

    parser = build_parser()
    ns = [
        parser.parse_args(shlex.split(a))
        for a in (
            f"predict {PAPER}",
            "curve --alpha 0.2 --beta 0.3 --kappa 1 --P 10,20",
            "surface --alpha 0.2 --beta 0.3 --kappa 1 --P 10,20 --cutoff 5,6",
        )
    ]
    assert [n.method for n in ns] == ["rg", "rg", "rg"]


def test_bad_plot_name_is_refused_before_any_work(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, f"predict {PAPER} --out p.json --plot p.txt")
    assert code == 2 and "--plot" in err and list(tmp_path.iterdir()) == []


def test_a_library_deprecation_warning_is_not_printed_but_rgflow_warnings_are(monkeypatch, capsys):
    """On old library versions (e.g. scikit-learn 1.2 on Python 3.11) loading a data set warns
    'open_text is deprecated'; the CLI's one-line errors must stay one line."""
    import warnings

    from rgflow.cli import COMMANDS, build_parser, main

    build_parser()  # registers the subcommands

    def run(ns):
        warnings.warn_explicit("open_text is deprecated", DeprecationWarning, "/site-packages/sklearn/x.py", 1)
        warnings.warn_explicit("pt1 is outside its range", RuntimeWarning, "/work/rgflow/predict.py", 1)
        return 0

    import dataclasses

    monkeypatch.setitem(COMMANDS, "predict", dataclasses.replace(COMMANDS["predict"], run=run))
    assert main(["predict", "--alpha", "0.2", "--beta", "0.3", "--P", "10", "--kappa", "1"]) == 0
    err = capsys.readouterr().err
    assert "open_text" not in err and err.count("rgflow: warning: pt1 is outside its range") == 1
