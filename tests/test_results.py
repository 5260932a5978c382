"""Results as objects: one serializer (to_dict / to_rows) and one mean-field solver."""

import dataclasses
import json
import math

import numpy as np
import pytest

import rgflow
from rgflow import Model, flow, predict
from rgflow._io import to_csv, to_json
from rgflow.curves import learning_curve
from rgflow.dynamics import dynamics, fixed_point
from rgflow.exact import saddle
from rgflow.field import flow_field
from rgflow.scaling import scaling_interval
from rgflow.surface import fit_surface, loss_surface
from rgflow.transfer import transfer, transfer_map

M = Model(0.2, 0.3, 60, 2.0, 0.05)


def _results():
    return [
        predict(M, "rg"),
        predict(M, "langevin", steps=64),
        flow(M),
        transfer(M, 30),
        learning_curve([20, 40], 0.2, 0.3, 2.0, 0.05, "gp"),
        transfer_map(M, [0.5, 2.0], [0.0, 0.05]),
        loss_surface([50, 100], [20, 40, 80], 0.2, 0.3, 2.0),
        fit_surface(loss_surface("50:2000:6", "50:2000:6", 0.2, 0.3, 2.0), parts=("variance",)),
        scaling_interval(0.2, 0.3, P=60, kappa=2.0, points=20),
        flow_field(0.2, n=5, tau=(0.0, 1.0)),
        dynamics(M, np.geomspace(1e-3, 10, 8)),
    ]


@pytest.mark.parametrize("res", _results(), ids=lambda r: type(r).__name__)
def test_every_result_serializes_through_the_one_base(res):
    assert isinstance(res, rgflow.results.Result)
    d = res.to_dict()
    assert d["version"] == rgflow.__version__ and isinstance(d["params"], dict) and d["params"]
    text = to_json(d)  # strict JSON: non-finite numbers become null only here
    json.loads(text)
    header, cols = res.to_rows()
    assert header["rgflow"] == rgflow.__version__
    assert len({len(v) for v in cols.values()}) == 1 and len(next(iter(cols.values()))) >= 1
    lines = to_csv(header, cols).splitlines()
    assert lines[1] == ",".join(cols) and len(lines) == 2 + len(next(iter(cols.values())))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, dataclasses.fields(res)[0].name, None)


@pytest.mark.parametrize("i", range(len(_results())), ids=lambda i: type(_results()[i]).__name__)
def test_every_result_compares_by_value_and_pickles(i):
    """== compares values (it raised on the arrays before), a recomputation is equal, a changed copy
    is not, and a pickled result comes back equal (no lambdas inside)."""
    import pickle

    a, b = _results()[i], _results()[i]  # computed twice: distinct arrays, same values
    if "seconds" in getattr(a, "info", {}):  # langevin's wall-clock time is the one entry that differs
        b = dataclasses.replace(b, info={**b.info, "seconds": a.info["seconds"]})
    assert a is not b and a == b and not (a != b)
    assert pickle.loads(pickle.dumps(a)) == a

    # a copy with one public number (or the first element of a float array) changed must differ
    def numeric(v):
        return isinstance(v, float) or (isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.size)

    public = [f.name for f in dataclasses.fields(a) if not f.name.startswith("_")]
    field = next((n for n in public if numeric(getattr(a, n))), None)
    if field is None:  # Transfer: models, a trajectory and the scheme's name
        field = next(n for n in public if isinstance(getattr(a, n), str))
        assert dataclasses.replace(a, **{field: getattr(a, field) + "-changed"}) != a
    else:
        changed = np.array(getattr(a, field), dtype=float)
        changed.flat[0] = changed.flat[0] * 2 + 1
        assert dataclasses.replace(a, **{field: changed if changed.ndim else float(changed)}) != a
    assert a != "not a result"


def test_a_trajectory_pickles_with_its_dense_solution():
    import pickle

    for scheme in ("continuum", "hybrid", "discrete"):
        for U in (0.05, 0.0):
            m = Model(0.2, 0.3, 300, 2.0, U)
            t = flow(m, scheme, switch=50) if scheme == "hybrid" else flow(m, scheme)
            back = pickle.loads(pickle.dumps(t))
            tau = np.linspace(0.0, math.log(300), 7)
            assert np.array_equal(back(tau)["r"], t(tau)["r"]) and np.array_equal(back(tau)["u"], t(tau)["u"])


def test_prediction_dict_keeps_the_cli_keys_and_adds_the_totals():
    p = predict(M, "exact")
    d = p.to_dict()
    assert {"method", "params", "k", "mean", "var", "version", "loss", "bias", "variance", "info"} <= set(d)
    assert d["k"] == list(range(1, 61)) and all(type(k) is int for k in d["k"])
    # totals against the sums of the moments (independent of the properties)
    assert d["bias"] == pytest.approx(math.fsum(m * m for m in d["mean"]), rel=1e-14)
    assert d["variance"] == pytest.approx(math.fsum(d["var"]), rel=1e-14)
    assert d["loss"] == pytest.approx(math.fsum(m * m + v for m, v in zip(d["mean"], d["var"])), rel=1e-14)
    assert all(isinstance(v, str) or (isinstance(v, (int, float)) and math.isfinite(v)) for v in d["info"].values())
    lg = predict(M, "langevin", steps=64).to_dict()
    assert len(lg["mean_stderr"]) == 60 and len(lg["var_stderr"]) == 60
    assert "dt" not in lg["info"]  # inf (independent proposals): not a finite number


def test_transfer_map_names_the_undefined_cell_instead_of_nan():
    tm = transfer_map(M, [0.5], [0.0, 0.05])
    # U_ratio = Ũ/U is 0/0 at U = 0: that cell is absent (object, JSON and CSV) and named with its reason
    assert list(tm.U_ratio["U"]) == [0.05] and list(tm.U_ratio["P_new"]) == [30]
    assert "U_ratio" in tm.undefined and "0/0" in tm.undefined["U_ratio"]
    assert tm.defined("U_ratio").tolist() == [[False], [True]]
    d = json.loads(to_json(tm.to_dict()), parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    assert d["U_ratio"]["U"] == [0.05] and d["undefined"]["U_ratio"] == tm.undefined["U_ratio"]
    assert "null" not in to_json(tm.to_dict())
    header, cols = tm.to_rows()
    assert [U for q, U in zip(cols["quantity"], cols["U"]) if q == "U_ratio"] == [0.05]
    # κ̃/κ is defined at U = 0 (κ̃ = κ P'/P there): present, and not named
    assert list(tm.kappa_ratio["U"]) == [0.0, 0.05] and "kappa_ratio" not in tm.undefined
    with pytest.raises(ValueError, match="U_ratio is undefined"):
        tm.grid("U_ratio")


@pytest.mark.parametrize("U", [0.01, 0.2, 1.0])
def test_the_one_saddle_solver_solves_both_mean_field_equations(U):
    m = Model(0.3, 0.5, 3000, 0.5, U)
    lam, y = m.eigenvalues(), m.target()
    a, b = 1 / lam + m.r, y / lam
    mu = saddle(m)
    assert mu == pytest.approx(m.u * np.sum(1 / (a + mu) + (b / (a + mu)) ** 2), rel=1e-13)
    mean, mu0 = fixed_point(m)  # zero temperature: no 1/(a + μ) term
    assert mu0 == pytest.approx(m.u * np.sum((b / (a + mu0)) ** 2), rel=1e-13)
    np.testing.assert_allclose(mean, b / (a + mu0), rtol=1e-15)
    from scipy.optimize import brentq  # an independent root finder on the same equations

    ref = brentq(lambda x: x - m.u * np.sum(1 / (a + x) + (b / (a + x)) ** 2), 0, mu * 2, xtol=1e-300, rtol=1e-15)
    ref0 = brentq(lambda x: x - m.u * np.sum((b / (a + x)) ** 2), 0, mu0 * 2 + 1e-300, xtol=1e-300, rtol=1e-15)
    assert mu == pytest.approx(ref, rel=1e-12) and mu0 == pytest.approx(ref0, rel=1e-12)
