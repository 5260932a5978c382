"""The ridge as a choice (bare r = P/κ, renormalized r = 1/K), the test error as an output, and the
measured-spectrum CLI contract (issue 14, docs/theory.md §5).

References: the closed forms of rgflow.ridge (equivalent kernel; eigenlearning) recomputed here from
the arrays; the fixed-point equation of K checked directly; the CLI checked against the Python API
and, end to end, against a spectrum built by numpy's eigh from a Gram matrix written here.
"""

import json

import numpy as np
import pytest

from rgflow.cli import main
from rgflow.curves import learning_curve
from rgflow.model import Model
from rgflow.predict import METHODS, predict
from rgflow.spectrum import Measured

DETERMINISTIC = [m for m in METHODS if m != "langevin"]


def _spectrum(n=150, seed=0):
    rng = np.random.default_rng(seed)
    lam = np.sort(rng.uniform(0.0, 1.0, n) ** 3 + 1e-5)[::-1]
    y = rng.standard_normal(n) * np.sqrt(lam) * 0.7
    return lam, y


def _eigenlearning(lam, y, P, kappa):
    """Independent closed form: K by bisection on K = κ/P + (K/P) Σ λ/(λ + K), then E_test, E_train."""
    lo, hi = kappa / P, kappa / P + lam.sum() / P
    for _ in range(200):
        K = 0.5 * (lo + hi)
        g = K - kappa / P - K / P * np.sum(lam / (lam + K))
        lo, hi = (K, hi) if g < 0 else (lo, K)
    L = lam / (lam + K)
    gamma = np.sum(L**2) / P
    test = np.sum((1 - L) ** 2 * y**2) / (1 - gamma)
    return K, test, (kappa / (P * K)) ** 2 * test


@pytest.mark.parametrize("P,kappa", [(40, 0.05), (100, 1.0), (400, 1e-3)])
@pytest.mark.parametrize("method", DETERMINISTIC)
def test_U0_every_method_gives_the_closed_forms_of_both_ridges(method, P, kappa):
    lam, y = _spectrum()
    sp = Measured(lam, y)
    bare = predict(Model.from_spectrum(sp, P, kappa, ridge="bare"), method)
    ek = np.sum(y**2 / (1 + P / kappa * lam) ** 2)
    assert bare.test_error == pytest.approx(ek, rel=1e-12)
    assert bare.train_error == pytest.approx(ek, rel=1e-12)
    ren = predict(Model.from_spectrum(sp, P, kappa, ridge="renormalized"), method)
    K, test, train = _eigenlearning(lam, y, P, kappa)
    assert ren.model.K == pytest.approx(K, rel=1e-12)
    assert ren.model.r == pytest.approx(1 / K, rel=1e-12)
    assert ren.test_error == pytest.approx(test, rel=1e-12)
    assert ren.train_error == pytest.approx(train, rel=1e-12)
    assert np.allclose(ren.mean, y * K / (K + lam), rtol=1e-12, atol=0)


def test_renormalized_ridge_on_the_power_law_and_params():
    m = Model(0.2, 0.3, 200, 0.5, 0.0, ridge="renormalized")
    K = m.K
    assert K == pytest.approx(0.5 / 200 + K / 200 * np.sum(m.eigenvalues() / (m.eigenvalues() + K)), rel=1e-13)
    assert m.params["ridge"] == "renormalized" and "ridge" not in Model(0.2, 0.3, 200, 0.5).params
    assert m.replace(P=100).ridge == "renormalized" and m.replace(ridge="bare").r == 200 / 0.5
    with pytest.raises(ValueError, match="ridge must be one of bare, renormalized"):
        Model(0.2, 0.3, 200, 0.5, ridge="effective")


def test_U_positive_test_error_is_bias_over_one_minus_gamma_and_exact_moves_with_the_mass():
    lam, y = _spectrum()
    m = Model.from_spectrum(Measured(lam, y), 60, 0.1, 0.05, ridge="renormalized")
    p = predict(m, "exact")
    L = lam / (lam + m.K)
    assert p.test_error == pytest.approx(np.sum(p.mean**2) / (1 - np.sum(L**2) / 60), rel=1e-12)
    # the renormalized mass 1/K < P/κ: the same exact integral at the bare model with κ' = P K
    q = predict(Model.from_spectrum(Measured(lam, y), 60, 60 * m.K, 0.05, ridge="bare"), "exact")
    assert np.allclose(p.mean, q.mean, rtol=1e-10)


def test_learning_curve_reports_the_test_error_per_P():
    lam, y = _spectrum()
    sp = Measured(lam, y)
    c = learning_curve([30, 60, 120], None, None, 0.2, method="gp", spectrum=sp, ridge="renormalized")
    assert np.allclose(c.test_error, [_eigenlearning(lam, y, P, 0.2)[1] for P in (30, 60, 120)], rtol=1e-12)
    assert c.params["ridge"] == "renormalized"
    b = learning_curve([30, 60], None, None, 0.2, method="gp", spectrum=sp)
    assert np.allclose(b.test_error, b.bias, rtol=0) and "ridge" not in b.params


# --------------------------------------------------------------------------------------- CLI


@pytest.fixture()
def spec_file(tmp_path):
    lam, y = _spectrum(120, 3)
    path = tmp_path / "s.npz"
    np.savez(path, eigenvalues=lam, target=y)
    return path, lam, y


def _json(capsys, argv):
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_cli_predict_spectrum_contract(spec_file, capsys):
    path, lam, y = spec_file
    obj = _json(
        capsys,
        [
            "predict",
            "--spectrum",
            str(path),
            "--P",
            "50",
            "--kappa",
            "0.3",
            "--U",
            "0.05",
            "--method",
            "exact",
            "--format",
            "json",
        ],
    )
    assert obj["k"] == list(range(1, len(lam) + 1)) and obj["params"]["cutoff"] == len(lam)
    ref = predict(Model.from_spectrum(Measured(lam, y), 50, 0.3, 0.05, ridge="renormalized"), "exact")
    assert obj["params"]["ridge"] == "renormalized"  # the default ridge of a measured spectrum
    assert np.allclose(obj["mean"], ref.mean, rtol=1e-12) and obj["test_error"] == pytest.approx(ref.test_error)
    csv = path.with_suffix(".csv")
    csv.write_text("eigenvalue,target\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(lam.tolist(), y.tolist())))
    obj2 = _json(
        capsys, ["predict", "--spectrum", str(csv), "--P", "50", "--kappa", "0.3", "--U", "0.05", "--method", "exact"]
    )
    assert np.allclose(obj2["mean"], obj["mean"], rtol=1e-12)


def test_cli_curve_renormalized_contract(spec_file, capsys):
    path, lam, y = spec_file
    obj = _json(
        capsys,
        [
            "curve",
            "--spectrum",
            str(path),
            "--kappa",
            "0.3",
            "--P",
            "50,100,200",
            "--method",
            "gp",
            "--ridge",
            "renormalized",
            "--format",
            "json",
        ],
    )
    assert {"loss", "bias", "variance", "test_error"} <= set(obj) and len(obj["test_error"]) == 3
    assert np.allclose(obj["test_error"], [_eigenlearning(lam, y, P, 0.3)[1] for P in (50, 100, 200)], rtol=1e-12)
    bare = _json(
        capsys,
        ["curve", "--spectrum", str(path), "--kappa", "0.3", "--P", "50,100,200", "--method", "gp", "--ridge", "bare"],
    )
    # every output names its ridge, also the default (issue 24 item 7); Model.params itself leaves it out
    assert np.allclose(bare["test_error"], bare["bias"], rtol=0) and bare["params"]["ridge"] == "bare"


@pytest.mark.parametrize(
    "cmd",
    [
        ["flow", "--P", "100", "--kappa", "0.3", "--U", "0.01"],
        ["transfer", "--P", "100", "--cutoff", "100", "--kappa", "0.3", "--U", "0.01", "--to-P", "50"],
        ["surface", "--P", "50,100", "--cutoff", "50,100", "--kappa", "0.3"],
        ["dynamics", "--P", "100", "--kappa", "0.3", "--U", "0.01"],
    ],
)
def test_every_model_subcommand_takes_spectrum_and_ridge(cmd, spec_file, capsys, tmp_path):
    path, *_ = spec_file
    out = _json(capsys, cmd + ["--spectrum", str(path), "--ridge", "renormalized", "--format", "json"])
    assert out["params"]["spectrum"] == "measured"


def _bad(tmp_path, name, **arrays):
    p = tmp_path / name
    np.savez(p, **arrays)
    return p


@pytest.mark.parametrize(
    "case,match",
    [
        ("missing", "missing array"),
        ("unequal", "unequal lengths"),
        ("nan", "finite"),
        ("nonpositive", "> 0"),
        ("unsorted", "descending"),
        ("cutoff", "cutoff must not exceed"),
        ("both", "not both"),
        ("neither", "required"),
        ("nofile", "not found"),
        ("csvcolumns", "eigenvalue,target"),
    ],
)
def test_cli_bad_spectrum_files_one_line_exit_2(case, match, tmp_path, capsys):
    k = np.arange(1, 21.0)
    lam, y = k**-1.5, k**-1.0
    extra = []
    if case == "missing":
        p = _bad(tmp_path, "a.npz", eigenvalues=lam)
    elif case == "unequal":
        p = _bad(tmp_path, "a.npz", eigenvalues=lam, target=y[:-1])
    elif case == "nan":
        p = _bad(tmp_path, "a.npz", eigenvalues=np.where(k == 4, np.nan, lam), target=y)
    elif case == "nonpositive":
        p = _bad(tmp_path, "a.npz", eigenvalues=np.where(k == 20, 0.0, lam), target=y)
    elif case == "unsorted":
        p = _bad(tmp_path, "a.npz", eigenvalues=np.where(k == 5, 1.0, lam), target=y)
    elif case == "csvcolumns":
        p = tmp_path / "a.csv"
        p.write_text("lam,y\n1.0,0.5\n")
    else:
        p = _bad(tmp_path, "a.npz", eigenvalues=lam, target=y)
        extra = {
            "cutoff": ["--cutoff", "21"],
            "both": ["--alpha", "0.2", "--beta", "0.3"],
            "neither": [],
            "nofile": [],
        }[case]
    argv = ["predict", "--P", "10", "--kappa", "1"] + extra
    if case == "neither":
        pass
    elif case == "nofile":
        argv += ["--spectrum", str(tmp_path / "none.npz")]
    else:
        argv += ["--spectrum", str(p)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rgflow: error: ") and match in err[0]


def test_cli_scaling_refuses_spectrum_and_renormalized(spec_file, capsys):
    path, *_ = spec_file
    assert main(["scaling", "--spectrum", str(path), "--P", "100", "--kappa", "1"]) == 2
    assert "--spectrum is not supported" in capsys.readouterr().err


# ------------------------------------------------------------------------- rgflow spectrum


def test_cli_spectrum_end_to_end_features_to_curve(tmp_path, capsys):
    """features → npz (rbf, checked against numpy's eigh of K/N) → predict --spectrum → curve --ridge renormalized."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((80, 3))
    f = np.sin(X[:, 0]) + 0.3 * X[:, 1]
    np.save(tmp_path / "X.npy", X)
    np.savetxt(tmp_path / "f.csv", f, delimiter=",")
    out = tmp_path / "spec.npz"
    summary = _json(
        capsys,
        [
            "spectrum",
            "--features",
            str(tmp_path / "X.npy"),
            "--labels",
            str(tmp_path / "f.csv"),
            "--kernel",
            "rbf",
            "--gamma",
            "0.5",
            "--fit",
            "2:40",
            "--out",
            str(out),
        ],
    )
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    w, V = np.linalg.eigh(np.exp(-0.5 * d2) / 80)
    w, V = w[::-1], V[:, ::-1]
    z = np.load(out)
    n = z["eigenvalues"].size
    assert n == summary["modes"] and np.allclose(z["eigenvalues"], w[:n], rtol=1e-9, atol=1e-15)
    assert np.allclose(np.abs(z["target"][:20]), np.abs(V[:, :20].T @ f / np.sqrt(80)), rtol=1e-6, atol=1e-12)
    assert {"A", "alpha", "B", "beta", "alpha_err", "beta_err"} <= set(summary["fit"])
    assert len(summary["drift"]["alpha"]) >= 2
    pred = _json(
        capsys, ["predict", "--spectrum", str(out), "--P", "20", "--kappa", "0.1", "--U", "0.05", "--method", "rg"]
    )
    assert len(pred["mean"]) == n
    curve = _json(
        capsys,
        [
            "curve",
            "--spectrum",
            str(out),
            "--kappa",
            "0.1",
            "--P",
            "10,20,40",
            "--method",
            "gp",
            "--ridge",
            "renormalized",
        ],
    )
    lam, y = z["eigenvalues"], z["target"]
    assert np.allclose(curve["test_error"], [_eigenlearning(lam, y, P, 0.1)[1] for P in (10, 20, 40)], rtol=1e-10)


def test_cli_spectrum_from_gram_and_errors(tmp_path, capsys):
    rng = np.random.default_rng(2)
    A = rng.standard_normal((30, 30))
    K = A @ A.T
    f = rng.standard_normal(30)
    np.save(tmp_path / "K.npy", K)
    np.save(tmp_path / "f.npy", f)
    out = tmp_path / "g.npz"
    _json(
        capsys, ["spectrum", "--gram", str(tmp_path / "K.npy"), "--target", str(tmp_path / "f.npy"), "--out", str(out)]
    )
    z = np.load(out)
    assert np.allclose(z["eigenvalues"], np.sort(np.linalg.eigvalsh(K / 30))[::-1], rtol=1e-10)
    assert np.sum(z["target"] ** 2) == pytest.approx(np.mean(f**2), rel=1e-12)
    for argv, match in (
        (["--gram", str(tmp_path / "K.npy")], "needs --target"),
        ([], "exactly one source"),
        (["--gram", str(tmp_path / "nope.npy"), "--target", str(tmp_path / "f.npy")], "not found"),
        (["--gram", str(tmp_path / "K.npy"), "--target", str(tmp_path / "f.npy"), "--fit", "5"], "K_LO:K_HI"),
    ):
        assert main(["spectrum", *argv, "--out", str(tmp_path / "x.npz")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and match in err[0]
        assert not (tmp_path / "x.npz").exists()


def test_sweep_takes_the_ridge_and_reports_the_test_error(capsys):
    from rgflow.ridge import ridge_errors
    from rgflow.sweep import sweep

    rows = sweep(alpha=0.2, beta=0.3, P=[50, 100], kappa=0.5, method="gp", ridge="renormalized")
    for row in rows:
        m = Model(0.2, 0.3, row["P"], 0.5)
        ref = ridge_errors(m.eigenvalues(), m.target(), row["P"], 0.5, "renormalized").test_error
        assert row["ridge"] == "renormalized" and row["test_error"] == pytest.approx(ref, rel=1e-12)
    cli = _json(
        capsys,
        [
            "sweep",
            "--alpha",
            "0.2",
            "--beta",
            "0.3",
            "--P",
            "50,100",
            "--kappa",
            "0.5",
            "--method",
            "gp",
            "--ridge",
            "renormalized",
            "--quiet",
        ],
    )
    assert [r["test_error"] for r in cli] == pytest.approx([r["test_error"] for r in rows], rel=1e-14)


@pytest.mark.parametrize("ridge", ["bare", "renormalized"])
@pytest.mark.parametrize("U", [0.01, 0.05, 0.2])
def test_exact_and_rg_agree_on_a_measured_spectrum_as_on_the_power_law(U, ridge):
    """docs/theory.md §4 check 8 (and the goals of check 9): on the rbf spectrum of 300 random points rg is within
    0.5% of exact at U <= 0.1 (1% above), closer than gp, and its stated error estimate covers its error."""
    from rgflow.data import spectrum_from_features

    rng = np.random.default_rng(11)
    X = rng.standard_normal((300, 4))
    s = spectrum_from_features(X, np.tanh(X[:, 0] - 0.5 * X[:, 2]), "rbf", gamma=0.3)
    m = Model.from_spectrum(Measured(*s), 30, 0.3, U, ridge=ridge)
    ex, rg, gp = (predict(m, name) for name in ("exact", "rg", "gp"))
    err = np.max(np.abs(rg.mean / ex.mean - 1))
    assert err <= (0.005 if U <= 0.1 else 0.01)
    assert err < np.max(np.abs(gp.mean / ex.mean - 1))
    assert err <= rg.info["error_estimate"]


def test_sweep_on_a_measured_spectrum(spec_file, capsys, tmp_path):
    from rgflow.sweep import from_text, sweep

    path, lam, y = spec_file
    sp = Measured(lam, y)
    rows = sweep(alpha=None, beta=None, P=[30, 60], kappa=0.3, U=[0.0, 0.05], method="exact", spectrum=sp)
    for row in rows:
        ref = predict(Model.from_spectrum(sp, row["P"], 0.3, row["U"], ridge="bare"), "exact")
        assert row["alpha"] is None and row["digest"] == sp.digest and row["cutoff"] == len(lam)
        assert row["loss"] == pytest.approx(ref.loss, rel=1e-12)
    out = tmp_path / "t.csv"
    assert (
        main(
            [
                "sweep",
                "--spectrum",
                str(path),
                "--P",
                "30,60",
                "--kappa",
                "0.3",
                "--U",
                "0,0.05",
                "--method",
                "exact",
                "--quiet",
                "--format",
                "csv",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    back = from_text(out.read_text(), "csv")
    assert [r["loss"] for r in back] == pytest.approx([r["loss"] for r in rows], rel=1e-14)
    assert main(["sweep", "--spectrum", str(path), "--alpha", "0.2", "--P", "30", "--kappa", "0.3"]) == 2
    assert "not both" in capsys.readouterr().err
    with pytest.raises(ValueError, match="spectrum is not supported"):
        sweep(alpha=None, beta=None, P=30, kappa=0.3, observable="scaling", spectrum=sp)


def test_cli_transfer_with_a_spectrum_defaults_the_cutoff_to_P(spec_file, capsys):
    from rgflow.transfer import transfer

    path, lam, y = spec_file
    obj = _json(
        capsys,
        ["transfer", "--spectrum", str(path), "--P", "100", "--kappa", "0.3", "--U", "0.01", "--to-P", "50"]
        + ["--ridge", "bare"],
    )
    ref = transfer(Model.from_spectrum(Measured(lam, y), 100, 0.3, 0.01, cutoff=100, ridge="bare"), 50).model
    assert obj["kappa"] == pytest.approx(ref.kappa, rel=1e-12) and obj["params"]["cutoff"] == 100


def test_target_power_outside_the_modes_is_an_unlearnable_floor_of_the_test_error(tmp_path, capsys):
    """KRR on Gaussian features whose target has a part ε·g₀ the kernel does not see: its population test
    error matches (Σ(1−L)²y² + ε²)/(1−γ) (the residual as label noise), not the formula without ε²."""
    from rgflow.ridge import ridge_errors

    k = np.arange(1, 301.0)
    lam, y = k**-1.4, k**-0.9
    eps2 = 0.3 * np.sum(y**2)
    P, kappa, rng = 80, 0.05, np.random.default_rng(4)
    errs = []
    for _ in range(300):
        G = rng.standard_normal((P, k.size))
        a = np.linalg.solve((G * lam) @ G.T + kappa * np.eye(P), G @ y + np.sqrt(eps2) * rng.standard_normal(P))
        errs.append(np.sum((y - lam * (G.T @ a)) ** 2) + eps2)
    krr, se = np.mean(errs), np.std(errs) / np.sqrt(len(errs))
    with_floor = ridge_errors(lam, y, P, kappa, "renormalized", residual=eps2).test_error
    without = ridge_errors(lam, y, P, kappa, "renormalized").test_error
    assert abs(krr / with_floor - 1) <= 0.03 + 2 * se / krr
    assert krr / without > 1.2
    # the floor travels with a spectrum file (meta dropped_power) into every prediction
    np.savez(
        tmp_path / "f.npz",
        eigenvalues=lam,
        target=y,
        meta=np.array(json.dumps({"dropped_power": eps2, "mean_f2": eps2 + np.sum(y**2)})),
    )
    obj = _json(
        capsys,
        [
            "predict",
            "--spectrum",
            str(tmp_path / "f.npz"),
            "--P",
            str(P),
            "--kappa",
            str(kappa),
            "--method",
            "gp",
            "--ridge",
            "renormalized",
        ],
    )
    assert obj["test_error"] == pytest.approx(with_floor, rel=1e-12) and obj["params"]["residual"] == eps2
    m = Model.from_spectrum(Measured(lam, y, eps2), P, kappa, ridge="bare")
    assert predict(m, "exact").test_error == pytest.approx(predict(m, "gp").bias + eps2, rel=1e-12)
