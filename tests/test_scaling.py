"""Scaling intervals (docs/theory.md §3): measured effective exponents against the analytic band."""

import json

import pytest

from rgflow.cli import main
from rgflow.scaling import analytic_intervals, scaling_interval, verdict

CASES = [
    dict(alpha=0.2, beta=0.3, P=20000, kappa=20000 / 5**1.2, U=0.05),
    dict(alpha=1.0, beta=1.5, P=20000, kappa=20000 / 5**2.0, U=0.05),
]


@pytest.mark.parametrize("case", CASES)
def test_measured_U_exponents_lie_in_the_analytic_interval(case):
    res = scaling_interval(**case)
    lo, hi = res.U["interval"]
    assert (lo, hi) == pytest.approx((1 + 2 * case["alpha"], 2 + 2 * case["alpha"]))
    assert res.window_tau[1] > 1.0  # a real massless window, several points wide
    # the effect of U on the cutoff mode (pt1 Wick terms, shell Hartree + exchange) and the running
    # Û of the derived flow, in the massless window r̂ <= 0.01
    for name in ("U_effect", "U_hat_flow"):
        mlo, mhi = res.U["measured"][name]
        assert lo - 1e-6 <= mlo <= mhi <= hi + 1e-6, (name, mlo, mhi)
        assert res.U["inside"][name] is True
    # the fluctuation Hartree diagram dominates: the measured exponent sits near gamma_U - 1
    assert res.U["measured"]["U_effect"][0] == pytest.approx(lo, abs=0.05)
    assert res.U["verdict"] == "relevant"


def test_the_measurement_can_leave_the_band():
    # beta < alpha: the Hartree sum is dominated by the target (mean) part, exponent 1 + alpha + beta
    res = scaling_interval(alpha=0.2, beta=0.1, P=20000, kappa=20000 / 5**1.2, U=0.05)
    mlo, mhi = res.U["measured"]["U_effect"]
    assert mhi < res.U["interval"][0] and mlo == pytest.approx(1.3, abs=0.03)
    # all modes in the Hartree sum (exact, finite difference in U): grows only as l^(1+alpha)
    flo, fhi = res.U["measured"]["U_effect_full"]
    assert fhi == pytest.approx(1.2, abs=0.02) and res.U["inside"]["U_effect_full"] is False
    # beyond the learnability threshold the mass stops the growth: exponents fall toward 0
    assert res.U["measured_all"]["U_effect"][0] < 0.5


def test_s_and_r():
    res = scaling_interval(**CASES[1])
    assert res.s["measured"]["s_flow"] == pytest.approx([-0.25, -0.25], abs=1e-9)
    assert res.s["verdict"] == "irrelevant"
    # the additive Hartree term only raises d ln r_hat/d tau above gamma_r
    assert res.r["measured"]["r_hat_flow"][0] >= 2.0 - 1e-6
    assert analytic_intervals(0.2, 1.2)["s"]["interval"] == pytest.approx([0.0, 0.0])
    assert verdict([0.0, 0.0]) == "undetermined" and verdict([-1, -0.5]) == "irrelevant"


def test_paper_parameters_have_no_massless_window():
    res = scaling_interval(0.2, 0.3)
    for name in ("U_effect", "U_effect_full", "U_hat_flow"):
        assert name not in res.U["measured"] and name not in res.U["inside"]
        assert res.undefined[f"U.measured.{name}"] == "no resolved point in the massless window r_hat <= r_hat_max"
    assert res.window_tau == [0.0, 0.0]


def test_cli(capsys):
    assert (
        main(
            [
                "scaling",
                "--alpha",
                "1",
                "--beta",
                "1.5",
                "--P",
                "2000",
                "--kappa",
                "80",
                "--U",
                "0.05",
                "--format",
                "json",
            ]
        )
        == 0
    )
    obj = json.loads(capsys.readouterr().out)
    assert {"r", "U", "s", "params"} <= set(obj)
    assert obj["U"]["interval"] == [3.0, 4.0] and obj["U"]["verdict"] == "relevant"
    assert main(["scaling", "--alpha", "-1", "--beta", "1.5", "--P", "100", "--kappa", "8"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rgflow: error: ")
