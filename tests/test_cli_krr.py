"""``rgflow krr``: real KRR against the three U = 0 theories from the command line (issue 14).

The KRR numbers are checked against an explicit numpy solve over the same draws, the kernel against a
numpy evaluation of exp(−|x − z|²/d), and each theory against its Python function on that kernel."""

import json
import shlex

import numpy as np
import pytest

pytest.importorskip("sklearn")

from rgflow.cli import main  # noqa: E402
from rgflow.data import spectrum_from_gram  # noqa: E402
from rgflow.krr import domain_note, real_dataset  # noqa: E402
from rgflow.ridge import pointwise_errors, ridge_errors  # noqa: E402

WINE = "krr --dataset wine --kernel rbf"


def run(capsys, argv):
    code = main(shlex.split(argv) if isinstance(argv, str) else [str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def wine():
    X, f = real_dataset("wine", "class")
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / X.shape[1]), f  # rbf with the default γ = 1/d


def explicit_krr(K, f, P, kappa, seed, draws):
    """Mean and standard error of the test error over all N points of ``draws`` explicit solves, with
    the draws of rgflow.krr.krr_test_error (rng seeded by [seed, P], P points without replacement)."""
    rng = np.random.default_rng([seed, P])
    errs = []
    for _ in range(draws):
        idx = rng.choice(len(f), P, replace=False)
        a = np.linalg.solve(K[np.ix_(idx, idx)] + kappa * np.eye(P), f[idx])
        errs.append(np.mean((K[:, idx] @ a - f) ** 2))
    errs = np.array(errs)
    return errs.mean(), errs.std(ddof=1) / np.sqrt(draws)


def test_json_rows_krr_is_an_explicit_solve_and_each_theory_its_python_function(capsys, wine):
    K, f = wine
    code, out, err = run(capsys, f"{WINE} --P 20,40 --kappa 1,0.1 --rel-se 0.05 --seed 3 --quiet")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["params"]["source"] == "wine:class" and obj["params"]["N"] == 178 and obj["params"]["seed"] == 3
    rows = obj["rows"]
    assert [(r["kappa"], r["P"]) for r in rows] == [(1.0, 20), (1.0, 40), (0.1, 20), (0.1, 40)]
    s = spectrum_from_gram(K, f)
    domains = [domain_note(r["P"], ("renormalized", "pointwise", "bare"), r) for r in rows]
    for r, note in zip(rows, domains):
        # the domain field (issue 24 item 7): on every row once one row is outside its validated domain
        assert r.get("domain") == (note or "inside" if any(domains) else None)
        assert set(r) - {"domain"} == {
            "kappa",
            "P",
            "N",
            "krr",
            "krr_stderr",
            "draws",
            "renormalized",
            "pointwise",
            "bare",
            "ratio_renormalized",
            "ratio_pointwise",
            "ratio_bare",
        }
        P, kappa = r["P"], r["kappa"]
        mean, se = explicit_krr(K, f, P, kappa, 3, r["draws"])
        assert r["krr"] == pytest.approx(mean, rel=1e-9) and r["krr_stderr"] == pytest.approx(se, rel=1e-6)
        assert r["krr_stderr"] <= 0.05 * r["krr"] and r["draws"] >= 40
        assert r["renormalized"] == pytest.approx(ridge_errors(*s, P, kappa, "renormalized").test_error, rel=1e-10)
        assert r["bare"] == pytest.approx(ridge_errors(*s, P, kappa, "bare").test_error, rel=1e-10)
        assert r["pointwise"] == pytest.approx(pointwise_errors(K, f, P, kappa).test_error, rel=1e-8)
        for name in ("renormalized", "pointwise", "bare"):
            assert r[f"ratio_{name}"] == pytest.approx(r["krr"] / r[name], rel=1e-12)


def test_no_krr_gives_the_theories_only_and_draws_the_learning_curves(capsys, wine, tmp_path):
    K, f = wine
    png = tmp_path / "c.png"
    code, out, err = run(
        capsys, f"{WINE} --P 10:40:3 --kappa 0.01 --no-krr --theory bare,pointwise --plot {png} --format json"
    )  # --plot alone: the plot only
    # P = 10 is below the pointwise ridge's validated 20 points (issue 24 item 7): the one warning
    assert (
        code == 0
        and err == "rgflow: warning: kappa = 0.01, P = 10: outside: pointwise ridge below 20 training points\n"
    )
    rows = json.loads(out)["rows"]
    assert [r["P"] for r in rows] == [10, 20, 40]  # the log-spaced range of rgflow._values
    for r in rows:
        assert list(r) == ["kappa", "P", "N", "bare", "pointwise", "domain"]
        assert r["domain"] == ("outside: pointwise ridge below 20 training points" if r["P"] < 20 else "inside")
        assert r["pointwise"] == pytest.approx(pointwise_errors(K, f, r["P"], 0.01).test_error, rel=1e-8)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_gram_source_csv_header_and_text_table(capsys, tmp_path):
    rng = np.random.default_rng(4)
    A = rng.standard_normal((60, 5))
    K = A @ A.T / 5 + 0.1 * np.eye(60)
    f = np.tanh(A[:, 0])
    np.save(tmp_path / "K.npy", K)
    np.save(tmp_path / "f.npy", f)
    src = f"krr --gram {tmp_path / 'K.npy'} --target {tmp_path / 'f.npy'} --P 15 --kappa 0.5 --quiet --rel-se 0.1"
    code, out, err = run(capsys, f"{src} --format csv")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("# rgflow=") and "method=krr" in lines[0] and "source=gram" in lines[0]
    assert lines[1] == (  # P = 15 < 20: the pointwise ridge is outside its validated domain (issue 24 item 7)
        "kappa,P,N,krr,krr_stderr,draws,renormalized,pointwise,bare,ratio_renormalized,ratio_pointwise,ratio_bare,"
        "domain"
    )
    assert lines[2].endswith(",outside: pointwise ridge below 20 training points")
    cells = [float(v) for v in lines[2].split(",")[:-1]]
    assert len(lines) == 3 and cells[:3] == [0.5, 15.0, 60.0]
    mean, _ = explicit_krr(K, f, 15, 0.5, 0, int(cells[5]))
    assert cells[3] == pytest.approx(mean, rel=1e-9)
    assert cells[6] == pytest.approx(ridge_errors(*spectrum_from_gram(K, f), 15, 0.5).test_error, rel=1e-10)
    code, out, err = run(capsys, f"{src} --format text --theory renormalized")
    assert code == 0, err
    head, names, row = out.splitlines()
    assert head.startswith("# rgflow krr: gram") and names.split() == [
        "kappa",
        "P",
        "draws",
        "krr",
        "se%",
        "renormalized",
        "ratio_renormalized",
    ]
    assert float(row.split()[3]) == pytest.approx(mean, rel=1e-4)


@pytest.mark.parametrize(
    "args,match",
    [
        ("--dataset wine --P 200 --kappa 1", "P must be an integer in [1, N = 178]"),
        ("--dataset wine --P 0,10 --kappa 1", "--P must be"),
        ("--dataset wine --P 10 --kappa 0", "--kappa must be ridges > 0"),
        ("--dataset wine --P 10 --kappa 1,-0.5", "--kappa must be ridges > 0"),
        ("--dataset wine --P 10 --kappa 1 --theory exact", "theory must be a comma-separated list"),
        ("--dataset wine --P 10 --kappa 1 --rel-se 0", "--rel-se"),
        ("--dataset wine --P 10 --kappa 1 --max-draws 1", "--max-draws"),
        ("--P 10 --kappa 1", "exactly one source"),
        ("--gram {d}/K.npy --P 10 --kappa 1", "--gram needs --target"),
        ("--features {d}/X.npy --P 10 --kappa 1", "--features needs --labels"),
        ("--features {d}/big.npy --labels {d}/fbig.npy --P 10 --kappa 1", "drop pointwise"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, args, match):
    np.save(tmp_path / "K.npy", np.eye(20))
    np.save(tmp_path / "X.npy", np.ones((20, 2)))
    np.save(tmp_path / "big.npy", np.zeros((6001, 1)))  # above the pointwise limit N = 6000
    np.save(tmp_path / "fbig.npy", np.zeros(6001))
    code, out, err = run(capsys, ["krr", *shlex.split(args.format(d=tmp_path)), "--out", tmp_path / "o.json"])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rgflow: error: ") and match in err, err
    if "pointwise" in match:
        assert "fewer points" in err
    assert not (tmp_path / "o.json").exists()


def test_max_draws_caps_the_sampling_and_says_so(capsys):
    code, out, err = run(capsys, f"{WINE} --P 20 --kappa 1 --max-draws 5 --rel-se 1e-4 --theory bare --quiet")
    assert code == 0
    (row,) = json.loads(out)["rows"]
    assert row["draws"] == 5
    assert err.startswith("rgflow: warning: KRR at kappa = 1, P = 20") and "--max-draws" in err


# --- issue 23: --width, the exact finite-width network as the trained model ------------------------------


def explicit_network(K, f, P, kappa, width, seed, draws):
    """Mean test error of the depth-1 standard network over the draws of rgflow.krr.sample_draws' main stream:
    per draw, c_i = E[1/(κ/z + μ_i)] under p(z | Y) ∝ χ²_N/N density × Π_i N(ỹ_i; 0, zμ_i + κ), by a dense
    trapezoid in t = ln z (20001 nodes on [−15, 5])."""
    from scipy.special import gammaln

    a = width / 2.0
    t = np.linspace(-15.0, 5.0, 20001)
    lp = a * np.log(a) - gammaln(a) + a * t - a * np.exp(t)  # ln density of t = ln z, z ~ χ²_N/N
    rng = np.random.default_rng([seed, P])
    errs = []
    for _ in range(draws):
        idx = rng.choice(len(f), P, replace=False)
        mu, V = np.linalg.eigh(K[np.ix_(idx, idx)])
        mu = np.clip(mu, 0, None)
        yt = V.T @ f[idx]
        v = np.exp(t)[:, None] * mu[None, :] + kappa
        lw = lp - 0.5 * np.sum(np.log(v) + yt**2 / v, axis=1)
        w = np.exp(lw - lw.max())
        c = (w @ (1.0 / (kappa * np.exp(-t)[:, None] + mu[None, :]))) / w.sum()
        errs.append(np.mean((K[:, idx] @ (V @ (c * yt)) - f) ** 2))
    return np.mean(errs)


@pytest.fixture(scope="module")
def gram_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("net")
    rng = np.random.default_rng(7)
    X = rng.standard_normal((70, 3))
    K = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1) / 3)
    f = np.tanh(X[:, 0] - X[:, 2])
    np.save(d / "K.npy", K)
    np.save(d / "f.npy", f)
    return d, K, f


def test_width_rows_are_the_exact_network_and_its_theories(capsys, gram_files):
    from rgflow.network_real import network_theory

    d, K, f = gram_files
    src = f"krr --gram {d / 'K.npy'} --target {d / 'f.npy'}"
    code, out, err = run(
        capsys,
        f"{src} --P 15,30 --kappa 0.1,1 --width 3 --depth 1 --parameterization standard "
        "--theory renormalized,pointwise --format json --rel-se 0.1 --quiet",
    )
    assert code == 0, err
    obj = json.loads(out)
    assert obj["params"]["width"] == 3 and obj["params"]["depth"] == 1
    s = spectrum_from_gram(K, f)
    for r in obj["rows"]:
        assert set(r) == {
            "kappa",
            "P",
            "N",
            "krr",
            "krr_stderr",
            "draws",
            "renormalized",
            "pointwise",
            "ratio_renormalized",
            "ratio_pointwise",
        }
        P, kappa = r["P"], r["kappa"]
        assert r["krr"] == pytest.approx(explicit_network(K, f, P, kappa, 3, 0, r["draws"]), rel=1e-7)
        assert r["renormalized"] == pytest.approx(network_theory(*s, P, kappa, 3).test_error, rel=1e-10)
        assert r["pointwise"] == pytest.approx(
            network_theory(*s, P, kappa, 3, ridge="pointwise", gram=K, values=f).test_error, rel=1e-10
        )
        assert r["ratio_pointwise"] == pytest.approx(r["krr"] / r["pointwise"], rel=1e-12)
        # a narrow network is not KRR: its error differs from the width-free column's by more than 3%
        assert abs(r["krr"] / explicit_krr(K, f, P, kappa, 0, r["draws"])[0] - 1) > 0.03


def test_a_very_wide_standard_network_is_the_krr_column(capsys, gram_files):
    d, _, _ = gram_files
    src = f"krr --gram {d / 'K.npy'} --target {d / 'f.npy'} --P 20 --kappa 0.3 --theory renormalized --quiet"
    _, plain, _ = run(capsys, src)
    code, wide, err = run(capsys, f"{src} --width 1000000000000")
    assert code == 0, err
    (a,), (b,) = json.loads(plain)["rows"], json.loads(wide)["rows"]
    assert a["draws"] == b["draws"]
    assert b["krr"] == pytest.approx(a["krr"], rel=1e-8) and b["renormalized"] == pytest.approx(
        a["renormalized"], rel=1e-6
    )


@pytest.mark.parametrize(
    "args,match",
    [
        ("--P 10 --kappa 1 --depth 2", "give its --width too"),
        ("--P 10 --kappa 1 --parameterization mean-field", "give its --width too"),
        ("--P 10 --kappa 1 --width 0", "width"),
        ("--P 10 --kappa 1 --width 4 --depth 0", "depth"),
        ("--P 10 --kappa 1 --width 4 --parameterization ntk", "parameterization"),
    ],
)
def test_bad_network_flags_are_one_line_and_exit_2(capsys, gram_files, args, match):
    d, _, _ = gram_files
    code, out, err = run(capsys, f"krr --gram {d / 'K.npy'} --target {d / 'f.npy'} {args}")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rgflow: error: ") and match in err, err


def test_neighbours_flag_sets_the_pointwise_clusters(capsys, wine):
    K, f = wine
    for flag, nb in (("", "auto"), ("--neighbours 0", 0), ("--neighbours 3", 3)):
        code, out, _ = run(capsys, f"{WINE} --P 40 --kappa 0.02 --theory pointwise --no-krr {flag}")
        assert code == 0
        doc = json.loads(out)
        assert doc["rows"][0]["pointwise"] == pytest.approx(pointwise_errors(K, f, 40, 0.02, neighbours=nb).test_error)
        assert doc["params"].get("neighbours", "auto") == nb
    for bad in ("-1", "two", "1.5"):
        code, out, err = run(capsys, f"{WINE} --P 40 --kappa 0.02 --theory pointwise --no-krr --neighbours={bad}")
        assert code == 2 and out == ""
        assert err.startswith("rgflow: error: --neighbours") and err.count("\n") == 1
