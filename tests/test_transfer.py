"""Hyperparameter transfer (docs/theory.md §4 check 6) against `exact`, its inverse, and the CLI."""

import json

import numpy as np
import pytest

from rgflow import FlowError, Model, flow, predict
from rgflow._io import to_json
from rgflow.cli import main
from rgflow.flow import integrate
from rgflow.transfer import Transfer, TransferError, TransferMap, transfer, transfer_map

from conftest import PAPER, PARAMETER_SETS


def exact_mean(model):
    return predict(model, "exact").mean


def deviations(m1, P_new, transferred):
    """Worst relative deviation from system 1 over k ≤ P_new of: transfer, (r, u) kept, naive."""
    e1 = exact_mean(m1)[:P_new]
    kept = Model.from_couplings(m1.alpha, m1.beta, P_new, m1.r, m1.u)
    naive = m1.replace(P=P_new)
    assert naive.cutoff == P_new and naive.kappa == m1.kappa and naive.U == m1.U
    return tuple(float(np.max(np.abs(exact_mean(m)[:P_new] / e1 - 1))) for m in (transferred, kept, naive))


def test_paper_numbers_transfer_beats_kept_and_naive():
    """Check 6 at the paper's numbers, P = 1000 → P' = 500.

    Measured (discrete scheme): 1.6e-5 (transfer), 3.9e-2 ((r, u) kept), 0.96 (naive) — the
    docs/theory.md §4 prototype saw 1.5e-5, 3.9e-2, 0.96.
    """
    m1 = Model(*PAPER)
    t = transfer(m1, 500)
    assert isinstance(t, Transfer) and t.model.P == t.model.cutoff == 500
    assert t.model.kappa == pytest.approx(500 / t.r) and t.model.U == pytest.approx(t.u / 500)
    d3, dk, d2 = deviations(m1, 500, t.model)
    assert d3 < 5e-5
    assert 2e-2 < dk < 6e-2
    assert d2 > 0.5
    assert d3 < dk / 300 and dk < d2 / 10


@pytest.mark.parametrize("params", PARAMETER_SETS[1:])
@pytest.mark.parametrize("divisor", [2, 5])
def test_transfer_down_beats_kept_and_naive_everywhere(params, divisor):
    """The ordering transfer ≪ (r, u) kept < naive holds at every parameter set (margin ≥ 50×)."""
    alpha, beta, P, kappa, U = params
    m1 = Model(alpha, beta, P, kappa, U)
    d3, dk, d2 = deviations(m1, P // divisor, transfer(m1, P // divisor).model)
    assert d3 < 2e-3
    assert d3 < dk / 50 and dk < d2


@pytest.mark.parametrize("P_new", [1000, 5000])
def test_transfer_up_matches_original_on_shared_modes(P_new):
    """P' > P: the solved system at P' reproduces the original's ⟨Δ_k⟩ on k ≤ P (measured ≈ 3e-6)."""
    m0 = Model(0.2, 0.3, 500, 500 / 100**1.2, 0.05)
    t = transfer(m0, P_new)
    e0 = exact_mean(m0)
    e3 = exact_mean(t.model)[:500]
    kept = Model.from_couplings(m0.alpha, m0.beta, P_new, m0.r, m0.u)
    naive = m0.replace(P=P_new)
    d3 = np.max(np.abs(e3 / e0 - 1))
    dk = np.max(np.abs(exact_mean(kept)[:500] / e0 - 1))
    d2 = np.max(np.abs(exact_mean(naive)[:500] / e0 - 1))
    assert d3 < 2e-5 and d3 < dk / 300 and dk < d2
    # and the trajectory of the new model passes through the original couplings at mode P
    st = t.trajectory.at_mode(500)
    assert st["r"] == pytest.approx(m0.r, rel=1e-12) and st["u"] == pytest.approx(m0.u, rel=1e-12)


@pytest.mark.parametrize("scheme", ["discrete", "continuum", "hybrid"])
@pytest.mark.parametrize("P_mid", [300, 500, 4000])
def test_round_trip_returns_original_couplings(scheme, P_mid):
    m1 = Model(*PAPER)
    back = transfer(transfer(m1, P_mid, scheme=scheme).model, m1.P, scheme=scheme).model
    assert back.P == m1.P and back.cutoff == m1.cutoff
    assert abs(back.r / m1.r - 1) < 1e-8 and abs(back.u / m1.u - 1) < 1e-8
    assert abs(back.kappa / m1.kappa - 1) < 1e-8 and abs(back.U / m1.U - 1) < 1e-8


@pytest.mark.parametrize("scheme, tol", [("discrete", 1e-10), ("continuum", 1e-9)])
@pytest.mark.parametrize("P1, P2", [(700, 300), (300, 700), (2000, 600), (1500, 3000), (400, 2500)])
def test_composition(scheme, tol, P1, P2):
    """P → P1 → P2 equals P → P2.

    Tolerance: downward steps read the same mode-by-mode arithmetic (discrete: identical to rounding);
    each upward step is a root with residual ≤ 1e-12 in (ln r, ln u) of a near-identity map, so
    ≲ 1e-11; the continuum scheme adds the integrator's rtol = 1e-11 per segment (dense output vs. a
    restarted integration), hence 1e-10 and 1e-9 with a safety factor.
    """
    m = Model(*PAPER)
    a = transfer(transfer(m, P1, scheme=scheme).model, P2, scheme=scheme).model
    b = transfer(m, P2, scheme=scheme).model
    assert a.P == b.P == P2
    assert abs(a.r / b.r - 1) < tol and abs(a.u / b.u - 1) < tol


def test_same_P_returns_the_model_and_zero_coupling_is_trivial():
    m = Model(*PAPER)
    assert transfer(m, m.P).model is m
    g = Model(0.2, 0.3, 1000, 4.0, 0.0)
    for P_new in (200, 5000):
        t = transfer(g, P_new)
        assert t.r == g.r and t.u == 0.0 and t.model.kappa == pytest.approx(4.0 * P_new / 1000)


def test_segment_is_the_flow():
    """The core stopped at a mode (the segment the inverse uses) is the full flow read at that mode
    (bitwise for the discrete scheme)."""
    m = Model(*PAPER)
    st = flow(m, "discrete").at_mode(321)
    assert integrate(m.spectrum, m.r, m.u, 1000, 321, "discrete").end == (st["r"], st["u"])
    st = flow(m, "continuum").at_mode(321)
    r, u = integrate(m.spectrum, m.r, m.u, 1000, 321, "continuum").end
    assert r == pytest.approx(st["r"], rel=1e-10) and u == pytest.approx(st["u"], rel=1e-10)


@pytest.mark.parametrize("bad", [0, -3, 1.5, "500", True, None, float("nan")])
def test_bad_P_new_names_the_parameter(bad):
    with pytest.raises(ValueError, match="P_new"):
        transfer(Model(*PAPER), bad)


def test_other_bad_inputs():
    with pytest.raises(ValueError, match="scheme"):
        transfer(Model(*PAPER), 500, scheme="exact")
    with pytest.raises(ValueError, match="cutoff"):
        transfer(Model(0.2, 0.3, 1000, 4.0, 0.05, cutoff=800), 500)
    with pytest.raises(ValueError, match="model"):
        transfer({"P": 1000}, 500)
    with pytest.raises(ValueError, match="ratios"):
        transfer_map(Model(*PAPER), [0.5, -1], [0.05])
    with pytest.raises(ValueError, match="U_values"):
        transfer_map(Model(*PAPER), [0.5], [-0.1])


def test_inverse_without_solution_is_a_clear_error():
    """Tiny mass and strong coupling: reaching r at mode P would need r' < 0 at P' = 10 P."""
    m = Model(0.2, 0.3, 1000, 1000.0, 0.5)  # r = 1, u = 500
    with pytest.raises(TransferError, match="no couplings at P'=10000"):
        transfer(m, 10000)
    assert issubclass(TransferError, FlowError)


def test_transfer_map_agrees_with_transfer():
    m = Model(*PAPER)
    d = json.loads(to_json(transfer_map(m, [0.1, 0.5, 1.0, 2.0, 10.0], [0.0, 0.05, 0.1]).to_dict()))
    assert d["P_new"] == [100, 500, 1000, 2000, 10000] and d["ratio"] == [0.1, 0.5, 1.0, 2.0, 10.0]
    assert {"params", "method", "version"} <= set(d)
    json.dumps(d, allow_nan=False)

    def cell(name, U, P_new):
        c = d[name]
        (n,) = [n for n in range(len(c["value"])) if c["U"][n] == U and c["P_new"][n] == P_new]
        return c["value"][n]

    for P_new in d["P_new"]:
        t = transfer(m.replace(U=0.1), P_new).model
        assert cell("kappa_ratio", 0.1, P_new) == pytest.approx(t.kappa / m.kappa, rel=1e-10)
        assert cell("U_ratio", 0.1, P_new) == pytest.approx(t.U / 0.1, rel=1e-10)
        assert cell("kappa_ratio", 0.0, P_new) == pytest.approx(P_new / 1000, rel=1e-14)
    assert 0.0 not in d["U_ratio"]["U"] and "0/0" in d["undefined"]["U_ratio"]  # Ũ/U at U = 0: absent, named
    assert cell("kappa_ratio", 0.05, 1000) == pytest.approx(1.0) and cell("U_ratio", 0.05, 1000) == pytest.approx(1.0)


def test_cli_json(capsys):
    a, b, P, kappa, U = PAPER
    rc = main(
        [
            "transfer",
            "--alpha",
            str(a),
            "--beta",
            str(b),
            "--P",
            str(P),
            "--kappa",
            repr(kappa),
            "--U",
            str(U),
            "--to-P",
            "500",
            "--format",
            "json",
        ]
    )
    assert rc == 0
    obj = json.loads(capsys.readouterr().out)
    assert {"P", "kappa", "U", "r", "u"} <= set(obj) <= {"P", "kappa", "U", "r", "u", "params", "version"}
    t = transfer(Model(a, b, P, kappa, U), 500).model
    assert obj["P"] == 500
    for key in ("kappa", "U", "r", "u"):
        assert obj[key] == pytest.approx(getattr(t, key), rel=1e-14)
    assert obj["params"]["P"] == 1000


def test_cli_csv(capsys):
    rc = main(
        [
            "transfer",
            "--alpha",
            "0.2",
            "--beta",
            "0.3",
            "--P",
            "1000",
            "--kappa",
            "4",
            "--U",
            "0.05",
            "--to-P",
            "2000",
            "--format",
            "csv",
        ]
    )
    assert rc == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# ") and lines[1] == "P,kappa,U,r,u" and len(lines) == 3


@pytest.mark.parametrize("to_P", ["0", "-10", "2.5", "many"])
def test_cli_bad_to_P(capsys, to_P):
    rc = main(
        ["transfer", "--alpha", "0.2", "--beta", "0.3", "--P", "1000", "--kappa", "4", "--U", "0.05", "--to-P", to_P]
    )
    assert rc == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rgflow: error:") and "to-P" in lines[0]


def test_cli_failed_inverse_exits_1(capsys):
    rc = main(
        [
            "transfer",
            "--alpha",
            "0.2",
            "--beta",
            "0.3",
            "--P",
            "1000",
            "--kappa",
            "1000",
            "--U",
            "0.5",
            "--to-P",
            "10000",
        ]
    )
    assert rc == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rgflow: error:")


def test_transfer_map_names_failed_cells_and_keeps_the_defined_ones():
    """A flow that breaks down at the cutoff: P' < P has no transfer (transfer raises), P' = P is the model."""
    m = Model(0.2, 0.3, 200, 1.0, 1000.0)
    with pytest.raises(FlowError) as info:
        transfer(m, 100)
    res = transfer_map(m, [0.5, 1.0], [1000.0])
    assert res.failed.tolist() == [[True, False]]
    for name in TransferMap.GRIDS:
        cells = getattr(res, name)
        assert list(cells["P_new"]) == [200] and list(cells["U"]) == [1000.0], name
        assert "1 of 2 cells" in res.undefined[name] and str(info.value) in res.undefined[name], name
        assert res.defined(name).tolist() == [[False, True]]
    t = transfer(m, 200).model
    assert res.kappa_ratio["value"][0] == t.kappa / m.kappa and res.U_ratio["value"][0] == t.U / m.U
    assert res.grid("r_ratio", fill=-1.0).tolist() == [[-1.0, 1.0]]
    json.loads(to_json(res.to_dict()), parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
