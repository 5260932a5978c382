"""Flow field (issue 6): vectorization, chain rule between the views, nullclines, exports, CLI."""

import json
import re

import numpy as np
import pytest

from rgflow import _equations as eq
from rgflow._io import to_json
from rgflow.cli import main
from rgflow.field import flow_field, integrate, parse_tau, read_field, write_field

A, B, L = 0.2, 0.5, 1000
TAUS = (0.0, 1.0, 2.5, 4.0)


@pytest.fixture(scope="module")
def raw():
    return flow_field(A, B, L, TAUS, n=60, P=800, rescaled=False)


@pytest.fixture(scope="module")
def resc():
    return flow_field(A, B, L, TAUS, n=60, rescaled=True)


def test_raw_field_is_continuum_rhs_pointwise(raw):
    rng = np.random.default_rng(1)
    for _ in range(50):
        i, j, k = rng.integers(len(TAUS)), rng.integers(60), rng.integers(60)
        U, r = raw.U[i, k], raw.r[i, j]
        dr, du = eq.continuum_rhs(float(r), float(U) * 800, L * np.exp(-TAUS[i]), A, B)
        assert raw.dr[i, j, k] == pytest.approx(dr, rel=1e-12, abs=1e-300)
        assert raw.dU[i, j, k] == pytest.approx(du / 800, rel=1e-12, abs=1e-300)


def test_rescaled_field_is_rescaled_rhs_pointwise(resc):
    rng = np.random.default_rng(2)
    g = eq.gamma_s(A, B)
    for _ in range(50):
        i, j, k = rng.integers(len(TAUS)), rng.integers(60), rng.integers(60)
        ds, dr, dU = eq.rescaled_rhs(
            np.exp(-TAUS[i]), np.exp(g * TAUS[i]), float(resc.r[i, j]), float(resc.U[i, k]), A, B, L
        )
        assert resc.dr[i, j, k] == pytest.approx(dr, rel=1e-12, abs=1e-300)
        assert resc.dU[i, j, k] == pytest.approx(dU, rel=1e-12, abs=1e-300)
        assert resc.ds[i, j, k] == pytest.approx(ds, rel=1e-12, abs=1e-300)


def test_chain_rule_between_views(resc):
    """r̂ = r λ_c, Û = u λ_c²:  dr̂/dτ = λ_c dr/dτ + (1+α) r̂,  dÛ/dτ = λ_c² du/dτ + 2(1+α) Û."""
    for i, t in enumerate(TAUS):
        lam = (L * np.exp(-t)) ** -(1 + A)
        U_raw = resc.U[i] / lam**2 / L  # U = u/P with P = Λ
        r_raw = resc.r[i] / lam
        ff = flow_field(
            A,
            B,
            L,
            (t,),
            U_range=(U_raw[0], U_raw[-1]),
            r_range=(r_raw[0], r_raw[-1]),
            n=60,
            nullclines=False,
            rescaled=False,
        )
        Uh, rh = resc.U[i][None, :], resc.r[i][:, None]
        np.testing.assert_allclose(
            resc.dr[i], lam * ff.dr[0] + (1 + A) * rh, rtol=1e-9, atol=1e-12 * np.abs(resc.dr[i]).max()
        )
        np.testing.assert_allclose(
            resc.dU[i], lam**2 * L * ff.dU[0] + 2 * (1 + A) * Uh, rtol=1e-9, atol=1e-12 * np.abs(resc.dU[i]).max()
        )


def test_nullclines_vanish(raw, resc):
    found = 0
    for ff in (raw, resc):
        for i in range(len(TAUS)):
            scale_r = np.nanmax(np.abs(ff.dr[i]))
            scale_U = np.nanmax(np.abs(ff.dU[i]))
            for which, scale in (("r", scale_r), ("U", scale_U)):
                for line in ff.nullclines[i][which]:
                    found += 1
                    p = ff.params
                    dU, dr, _, _ = _eval(ff, i, line)
                    comp = dr if which == "r" else dU
                    # polished by bisection: zero to round-off relative to the field's scale
                    assert np.max(np.abs(comp)) < 1e-9 * scale, (which, i, ff.rescaled, p)
            for line in ff.nullclines[i]["trivial"]:
                assert np.all(line[:, 0] == 0)
    assert found >= len(TAUS) * 2  # rescaled view: an r- and a U-nullcline at every τ
    # the rescaled U-nullcline at r̂ = 0 sits at Û* = 2(1+α)/(k_c + 2 s² Λ^(α−β+1))
    ff = flow_field(A, None, L, (1.0,), n=101, rescaled=True)
    line = ff.nullclines[0]["U"][0]
    order = np.argsort(line[:, 1])
    U_at_0 = np.interp(0.0, line[order, 1], line[order, 0])
    assert U_at_0 == pytest.approx(2 * (1 + A) / (L * np.exp(-1.0) + 2), rel=1e-4)  # grid-limited interpolation


def _eval(ff, i, line):
    from rgflow.field import _rhs

    p = ff.params
    return _rhs(ff.rescaled, line[:, 0], line[:, 1], ff.tau[i], p["alpha"], p["beta"], p["cutoff"], p["P"])


def test_s_is_one_when_beta_is_one_plus_alpha():
    ff = flow_field(0.2, None, L, (0, 1, 3, 6), n=20, rescaled=True, nullclines=False)
    assert ff.params["beta"] == pytest.approx(1.2)
    np.testing.assert_array_equal(ff.s, 1.0)
    assert np.all(np.abs(ff.ds) < 1e-15)
    tr = integrate(0.2, None, L, (0.01, 0.2), (0.0, 2.0), rescaled=True)
    assert len(tr["tau"]) > 10


def test_vectorized(monkeypatch):
    """One call of the generated right-hand side for all four τ and the whole 200 × 200 grid (counted, not
    timed: bench/performance.py times it), in both views."""
    import rgflow._equations as eq

    calls = {"continuum_rhs": [], "rescaled_rhs": []}
    for name in calls:
        original = getattr(eq, name)

        def counted(*args, _original=original, _name=name):
            calls[_name].append(np.broadcast(*args).shape)
            return _original(*args)

        monkeypatch.setattr(eq, name, counted)
    ff = flow_field(0.2, None, L, (0, 1, 2, 3), n=200, rescaled=False, nullclines=False)
    flow_field(0.2, None, L, (0, 1, 2, 3), n=200, rescaled=True, nullclines=False)
    assert calls["continuum_rhs"] == [(4, 200, 200)] and calls["rescaled_rhs"] == [(4, 200, 200)]
    assert ff.dU.shape == (4, 200, 200) and np.all(np.isfinite(ff.dU))
    d = ff.direction
    np.testing.assert_allclose(np.hypot(d[:, 0], d[:, 1])[ff.magnitude > 0], 1.0, rtol=1e-12)


@pytest.mark.parametrize("ext", ["json", "csv"])
def test_export_round_trip(tmp_path, resc, ext):
    path = tmp_path / f"field.{ext}"
    write_field(resc, path)
    back = read_field(path)
    if ext == "json":
        for key in ("tau", "U", "r", "dU", "dr", "magnitude"):
            np.testing.assert_array_equal(back[key], getattr(resc, key))
        assert back["params"] == resc.params and back["version"] and back["method"]
        for nb, nc in zip(back["nullclines"], resc.nullclines):
            for a, b in zip(nb["r"], nc["r"]):
                np.testing.assert_array_equal(np.array(a), b)
    else:
        n = resc.dU.size
        assert len(back["tau"]) == n
        np.testing.assert_array_equal(back["dU_hat"], resc.dU.ravel())
        np.testing.assert_array_equal(back["dr_hat"], resc.dr.ravel())
        np.testing.assert_array_equal(back["U_hat"], np.broadcast_to(resc.U[:, None, :], resc.dU.shape).ravel())
        header = path.read_text().splitlines()[0]
        assert "rgflow=" in header and "method=" in header and "alpha=0.2" in header


def test_parse_tau():
    assert parse_tau("0, 1,2.5") == (0.0, 1.0, 2.5)
    for bad in ("", "0,,1", "a,b", "-1", "nan"):
        with pytest.raises(ValueError, match="tau"):
            parse_tau(bad)
    with pytest.raises(ValueError, match="ln cutoff"):
        flow_field(0.2, cutoff=100, tau=(0, 5))


def test_cli_writes_files(tmp_path, capsys):
    for ext in ("png", "json", "csv"):
        out = tmp_path / f"f.{ext}"
        assert main(["field", "--alpha", "0.2", "--tau", "0,2", "--n", "40", "--out", str(out)]) == 0
        assert out.stat().st_size > 0
    obj = json.loads((tmp_path / "f.json").read_text())
    assert obj["params"]["beta"] == pytest.approx(1.2) and obj["tau"] == [0.0, 2.0] and obj["rescaled"]
    assert main(["field", "--alpha", "0.2", "--raw", "--tau", "1", "--n", "30", "--out", str(tmp_path / "g.json")]) == 0
    assert not json.loads((tmp_path / "g.json").read_text())["rescaled"]
    capsys.readouterr()
    assert main(["field", "--alpha", "0.2", "--out", str(tmp_path / "f.txt")]) == 2
    assert "rgflow: error:" in capsys.readouterr().err
    assert main(["field", "--alpha", "0.2", "--tau", "0,x", "--out", str(tmp_path / "h.json")]) == 2
    assert "tau" in capsys.readouterr().err
    assert not (tmp_path / "h.json").exists() and not (tmp_path / "f.txt").exists()


def _segment_angles(ax_strm, ff, i):
    """Angle (in axis-span units) between every drawn streamline segment and the field at its midpoint."""
    segs = np.array([s for s in ax_strm.lines.get_segments() if len(s) == 2])
    segs = segs[np.any(segs[:, 1] != segs[:, 0], axis=1)]  # streamplot leaves empty segments at the edges
    mid = segs.mean(axis=1)
    d = segs[:, 1] - segs[:, 0]
    p = ff.params
    dU, dr, _, _ = __import__("rgflow.field", fromlist=["_rhs"])._rhs(
        ff.rescaled, mid[:, 0], mid[:, 1], ff.tau[i], p["alpha"], p["beta"], p["cutoff"], p["P"]
    )
    sU, sr = ff.U[i, -1] - ff.U[i, 0], ff.r[i, -1] - ff.r[i, 0]
    a = np.arctan2(d[:, 1] / sr, d[:, 0] / sU)
    b = np.arctan2(dr / sr, dU / sU)
    strong = np.hypot(dU / sU, dr / sr) > 0.1 * np.median(ff.magnitude[i])  # away from fixed points
    return np.abs(np.angle(np.exp(1j * (a - b))))[strong]


@pytest.mark.parametrize("rescaled", [True, False])
def test_drawn_streamlines_follow_the_field_and_its_trajectories(rescaled):
    """Issue 16: the stream plot's segments point along the field (in data units), and an RG trajectory
    integrated through the same flow is tangent to the drawn field along its whole length."""
    from matplotlib.colors import Normalize

    from rgflow.plotting.fig2_flow_field import _draw_panel
    from rgflow.plotting.render import pyplot

    plt = pyplot()
    for t in (0.0, 2.0):
        ff0 = flow_field(0.2, 1.2, 1000, (t,), n=80, rescaled=rescaled, nullclines=False)
        U, r = ff0.U[0], ff0.r[0]
        ff = flow_field(
            0.2,
            1.2,
            1000,
            (t,),
            n=80,
            rescaled=rescaled,
            trajectories=[(0.5 * U[-1], 0.5 * r[-1])],
            traj_tau=(t, t + 0.3),
        )
        fig, ax = plt.subplots()
        strm = _draw_panel(ax, ff, 0, Normalize(-10, 10), plt.get_cmap("viridis"))
        ang = _segment_angles(strm, ff, 0)
        plt.close(fig)
        assert len(ang) > 100
        # the stream plot interpolates the field on its grid: allow a few degrees, never a reversal
        assert np.median(ang) < 0.02 and np.quantile(ang, 0.95) < 0.15, (t, np.median(ang), ang.max())
        # the trajectory's first step is tangent to the field at its start (the frozen-τ field)
        tr = ff.trajectories[0]
        d = np.array([tr["U"][1] - tr["U"][0], tr["r"][1] - tr["r"][0]])
        sU, sr = U[-1] - U[0], r[-1] - r[0]
        i_r, i_U = np.argmin(np.abs(r - tr["r"][0])), np.argmin(np.abs(U - tr["U"][0]))
        v = np.array([ff.dU[0, i_r, i_U], ff.dr[0, i_r, i_U]])
        cos = (d[0] * v[0] / sU**2 + d[1] * v[1] / sr**2) / (
            np.hypot(d[0] / sU, d[1] / sr) * np.hypot(v[0] / sU, v[1] / sr)
        )
        assert cos > 0.99


@pytest.mark.parametrize("beta", [None, 0.3])
def test_trajectory_of_the_core_obeys_the_generated_rescaled_equations(beta):
    """The rescaled trajectory (the couplings integrated by the flow's core, mapped to r̂ = rλ(k_c),
    Û = uλ(k_c)²) solves the independently generated rescaled_rhs: central differences along it."""
    from rgflow import _equations as eq

    tr = integrate(0.2, beta, L, (0.01, 0.2), (0.0, 2.0), rescaled=True, points=40001)
    t, U, r = tr["tau"], tr["U"], tr["r"]
    h = t[1] - t[0]
    dU, dr = (U[2:] - U[:-2]) / (2 * h), (r[2:] - r[:-2]) / (2 * h)
    b = 1.2 if beta is None else beta
    s = np.exp(eq.gamma_s(0.2, b) * t[1:-1])
    _, dr_eq, dU_eq = eq.rescaled_rhs(np.exp(-t[1:-1]), s, r[1:-1], U[1:-1], 0.2, b, L)
    # central differences (h = 5e-5): measured 3e-8 … 3e-7 of the scale of each rate
    np.testing.assert_allclose(dU, dU_eq, rtol=1e-6, atol=1e-6 * np.max(np.abs(dU_eq)))
    np.testing.assert_allclose(dr, dr_eq, rtol=1e-6, atol=1e-6 * np.max(np.abs(dr_eq)))


def test_export_is_finite_at_a_fixed_point_of_the_grid(tmp_path):
    """(U, r) = (0, 0) is a fixed point of the raw flow (dU = dr = 0): |v| = 0, ln|v| = -inf there; the
    export holds the magnitude (0, finite), not its logarithm, so no NaN/null/inf reaches JSON or CSV."""
    ff = flow_field(0.2, 0.3, 100, (0.0, 1.0), U_range=(0.0, 1.0), r_range=(0.0, 1.0), n=5, rescaled=False)
    assert ff.U[0][0] == 0.0 and ff.r[0][0] == 0.0 and ff.magnitude[0, 0, 0] == 0.0
    assert ff.ln_magnitude[0, 0, 0] == -np.inf  # the plotting property keeps the -inf
    text = to_json(ff.to_dict())
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    assert not re.search(r"[\[,:]null\b", text)  # no null value (the key "nullclines" is fine)
    header, cols = ff.to_rows()
    assert all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in cols.values())
