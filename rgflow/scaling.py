"""Scaling intervals of the couplings (docs/theory.md §3) and effective exponents measured along τ = ln ℓ.

Analytic intervals (derivations/EQUATIONS.md §5–6)
--------------------------------------------------
In the rescaled frame (r̂ = r λ(k_c), Û = u λ(k_c)², k_c = Λ e^-τ, mode density ρ = e^-τ):

* ``s``: the source is not renormalized by the vertex (EQUATIONS §2): one dimension,
  γ_s = (β − 1 − α)/2; no diagram, no density factor.
* ``r``: tree level γ_r = 1 + α. Its one-loop terms (Hartree: a contraction of two legs of one
  vertex summed over the shell, density factor Λρ; and the mean term, written through s²) are
  *additive* (∝ Û, not ∝ r̂): they do not change the dimension of r, they can only add to the growth
  of r̂ (d ln r̂/dτ ≥ γ_r while the loop is positive). Interval [γ_r, γ_r].
* ``U``: tree level γ_U = 2(1 + α). The effect of the vertex on a mode at the cutoff has two
  diagrams: the Hartree term u G_k Σ_q⟨Δ_q²⟩ (a sum over modes: density factor ρ = e^-τ, one power
  of ℓ less) and the self-exchange 2u G_k² (no sum, no density factor). Hence [γ_U − 1, γ_U].

Verdict: relevant if the whole interval is > 0, irrelevant if it is < 0, undetermined otherwise
(e.g. s at β = 1 + α, marginal).

Measured effective exponents (``scaling_interval``)
---------------------------------------------------
``U_hat_flow``   d ln Û/dτ along the continuum trajectory of the derived flow.
``U_effect``     d ln ε/dτ, ε(ℓ) = relative first-order change of ⟨Δ_k⟩ at the cutoff mode k = Λ/ℓ
                 caused by U through the modes integrated out so far (q ≥ k, the tail beyond Λ
                 included in closed form) plus the mode's own exchange: ε = u G_k (Σ_{q≥k} ⟨Δ_q²⟩₀ + 2G_k),
                 from the pt1 Wick terms. Nothing forces it into the band: a mean-dominated Hartree
                 sum (β < α) gives 1 + α + β < γ_U − 1, the mass (r̂ ≳ 1) pulls it toward 0.
``U_effect_full`` the same relative change from ``exact`` (finite difference in U), with *all* modes
                 in the Hartree sum. The sum over the not-yet-integrated IR modes is a constant, so
                 this grows only as ℓ^(1+α) in the massless regime: below the band. It is not a
                 property of the coupling at scale ℓ (that Hartree term is generated later in the
                 flow, when the IR modes are integrated out) and is reported as a contrast.
``r_hat_flow``, ``s_flow``: d ln r̂/dτ and d ln s/dτ along the trajectory.

The comparison with the band is made in the massless window r̂(τ) ≤ ``r_hat_max`` (default 0.1),
where the tree-level power counting applies (default 0.01: the mass lowers d ln G/dτ by a factor
1/(1 + r̂)). At the paper's parameters (Λ = P = 1000, r̂(0) = 0.063) there is no such window: the
ranges over all τ are reported as ``measured_all`` and do leave the band (the mass is relevant).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _equations as eq
from . import paper as _paper
from .model import Model, check_int, check_model, check_real, gp_moments
from .results import Result

__all__ = ["analytic_intervals", "effective_exponents", "scaling_interval", "ScalingInterval", "verdict"]


def analytic_intervals(alpha, beta) -> dict:
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=-1.0, low_open=True)
    gr, gU, gs = float(eq.gamma_r(alpha)), float(eq.gamma_U(alpha)), float(eq.gamma_s(alpha, beta))
    return {
        "r": {
            "interval": [gr, gr],
            "diagrams": "tree level γ_r = 1+α; Hartree loop (density factor Λρ) and "
            "mean loop (through s²) are additive in Û, they do not shift the dimension",
        },
        "U": {
            "interval": [gU - 1.0, gU],
            "diagrams": "Hartree u·G_k·Σ_q⟨Δ_q²⟩ (sum over modes: density factor "
            "ρ = e^-τ, exponent γ_U − 1) and self-exchange 2u·G_k² (no density factor, exponent γ_U)",
        },
        "s": {"interval": [gs, gs], "diagrams": "not renormalized by the vertex; tree level γ_s = (β−1−α)/2"},
    }


def verdict(interval, tol=1e-12) -> str:
    lo, hi = interval
    if lo > tol:
        return "relevant"
    if hi < -tol:
        return "irrelevant"
    return "undetermined"


def effective_exponents(model: Model, points=200, fd_U=1e-5) -> dict:
    """Effective exponents d ln g/dτ along τ ∈ [0, ln Λ] (see the module docstring), defined points only.

    Each series is ``{"tau": ndarray, "value": ndarray}`` holding only the points where it is
    defined, at their own τ: ``U_effect``, ``U_effect_full`` and ``r_hat_modes`` (r̂ = rλ_k) on the
    mode grid τ = ln(Λ/k), k = Λ, …, 1; ``r_hat``, ``U_hat_flow``, ``r_hat_flow``, ``s_flow`` on the
    flow grid τ = linspace(0, ln Λ, points). ``U_flow`` (the U of the flow, a float) is a scalar.
    A derivative d ln g/dτ is kept only where ln g is finite at the point and at the neighbours of
    its difference stencil (``np.gradient``); a point dropped for that is undefined, never filled.

    Parameters
    ----------
    model : Model
        A power-law model with cutoff Λ >= 3.
    points : int >= 3, optional
        Points of the flow grid (default 200).
    fd_U : float in (0, 1e-2], optional
        Step in U of the finite difference of ``U_effect_full`` (default 1e-5).

    Returns
    -------
    dict
        {name: {"tau", "value"}} per series and ``U_flow`` (float).
    """
    return _public(_effective(model, points, fd_U))


# the order of the entries of ``effective`` and the grid of each series
_ORDER = ("r_hat_modes", "U_effect", "U_effect_full", "r_hat", "U_flow", "U_hat_flow", "r_hat_flow", "s_flow")


def _log_derivative(x, y, defined=None):
    """(keep, d): d = d ln y/dx by ``np.gradient`` and keep = the points whose stencil (the point and
    its neighbours) has a finite ln y (and ``defined``); d is meaningful only where keep is True."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ly = np.log(y)
    ok = np.isfinite(ly) if defined is None else np.isfinite(ly) & defined
    keep = ok.copy()
    keep[1:] &= ok[:-1]
    keep[:-1] &= ok[1:]
    return keep, np.gradient(np.where(ok, ly, 0.0), x)


def _effective(m, points=200, fd_U=1e-5) -> dict:
    """The effective exponents on their full grids: {"grid": {"modes", "flow"}: τ, "series": {name:
    (grid, keep, values)}, "U_flow": U} (values are meaningful only where keep is True)."""
    from .curves import continuum_bias, continuum_variance
    from .flow import flow
    from .predict import predict

    check_model(m)
    m.require_power_law("effective_exponents (the continuum tail of the power law beyond the cutoff)")
    points = check_int("points", points, low=3)
    fd_U = check_real("fd_U", fd_U, low=0.0, high=1e-2, low_open=True)
    Lam = m.cutoff
    if Lam < 3:
        raise ValueError(f"cutoff must be >= 3 to measure exponents along tau, got {Lam}")
    k = m.k
    lam, r = m.eigenvalues(), m.r
    M, G = gp_moments(m)
    tail = continuum_variance(m.alpha, r, np.inf, Lam + 0.5) + (
        continuum_bias(m.alpha, m.beta, r, np.inf, Lam + 0.5) if m.beta > 0 else 0.0
    )
    A_shell = np.cumsum((G + M * M)[::-1])[::-1] + tail
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        eps = G * (A_shell + 2 * G)
    m0 = m.replace(U=0.0)
    h = fd_U
    g0 = predict(m0, "gp").mean
    change = (g0 - predict(m0.replace(U=h), "exact").mean) / g0
    # a relative change below 10 x the quadrature tolerance (1e-11) is round-off, not an effect of U:
    # not resolved (the point is left out) instead of the log of noise
    resolved = change > 1e-10
    log_k = np.log(k)
    # d/dτ = −k d/dk on the integer modes; the mode grid in increasing τ = ln(Λ/k)
    keep_e, d_e = _log_derivative(log_k, eps)
    keep_f, d_f = _log_derivative(log_k, np.where(resolved, change, 1.0) / (h * m.P), resolved)
    r_hat_modes = r * lam
    series = {
        "r_hat_modes": ("modes", np.isfinite(r_hat_modes)[::-1], r_hat_modes[::-1]),
        "U_effect": ("modes", keep_e[::-1], -d_e[::-1]),
        "U_effect_full": ("modes", keep_f[::-1], -d_f[::-1]),
    }
    mu = m if m.U > 0 else m.replace(U=1e-3)
    traj = flow(mu, "continuum")
    tau = np.linspace(0.0, math.log(Lam), points)
    st = traj(tau)
    series["r_hat"] = ("flow", np.isfinite(st["r_hat"]), np.asarray(st["r_hat"], dtype=float))
    for name, key in (("U_hat_flow", "U_hat"), ("r_hat_flow", "r_hat"), ("s_flow", "s")):
        keep, d = _log_derivative(tau, np.asarray(st[key], dtype=float))
        series[name] = ("flow", keep, d)
    return {"grid": {"modes": np.log(Lam / k)[::-1], "flow": tau}, "series": series, "U_flow": float(mu.U)}


def _public(raw) -> dict:
    """The result of :func:`effective_exponents`: {"tau", "value"} per series, its defined points only,
    and the scalar ``U_flow``, in the order of ``_ORDER``."""
    out = {}
    for name in _ORDER:
        if name not in raw["series"]:
            out[name] = raw[name]
            continue
        grid, keep, values = raw["series"][name]
        out[name] = {"tau": raw["grid"][grid][keep], "value": np.asarray(values, dtype=float)[keep]}
    return out


def _range(raw, name, masks):
    """[min, max] of series ``name`` over its defined points in ``masks[its grid]``, None when there is none."""
    grid, keep, values = raw["series"][name]
    x = np.asarray(values)[keep & masks[grid]]
    return [float(np.min(x)), float(np.max(x))] if x.size else None


@dataclass(frozen=True)
class ScalingInterval(Result):
    """Result of :func:`scaling_interval`: per coupling g the interval of d ln ĝ/dτ, e.g. U: [γ_U − 1, γ_U].

    Attributes
    ----------
    params : dict
        The model's parameters.
    r_hat_max : float
        Bound of the massless window r̂ ≤ r_hat_max where the exponents are measured.
    window_tau : list
        [0, τ_max] of that window ([0, 0] when it is empty: r̂ starts above r_hat_max).
    r, U, s : dict
        Per coupling: ``interval`` [lo, hi], ``diagrams`` (which carry a density factor),
        ``verdict`` (relevant/irrelevant/undetermined), ``measured`` / ``measured_all``
        {measure: [lo, hi]} (in the window / over all τ) and ``inside`` {measure: bool} (the
        measured range within the interval). A measure without any defined point in its range is
        absent from ``measured`` / ``measured_all`` / ``inside`` and named in ``undefined``.
    effective : dict
        The effective exponents along τ (see :func:`effective_exponents`): per series
        {"tau": ndarray, "value": ndarray} holding its defined points only (``r_hat_modes``,
        ``U_effect``, ``U_effect_full`` on the mode grid τ = ln(Λ/k); ``r_hat``, ``U_hat_flow``,
        ``r_hat_flow``, ``s_flow`` on the flow grid) and the scalar ``U_flow``.
    corrections : dict
        The derived exponents in P of the corrections to the GP's training loss
        (:func:`rgflow.exponents.correction_exponents`; docs/networks.md): ``quartic_fixed_U`` (this
        model's U at fixed U), ``network_fixed_width`` and ``network_fixed_ratio`` (a standard network at
        fixed N and fixed N/P), ``mean_field_fixed_width``, ``mean_field_fixed_ratio``, ``gp_loss``.
        Derived for β > 0: otherwise empty and named in ``undefined``.
    undefined : dict
        {name: reason}: ``effective.NAME`` for every series that lost points ("… at n of m points")
        and ``g.measured.NAME`` / ``g.measured_all.NAME`` for every absent range. Every number in the
        result is finite; nothing is undefined silently.

    Examples
    --------
    >>> import rgflow
    >>> res = rgflow.scaling_interval(alpha=1.0, beta=1.5, P=500, kappa=20, U=0.05, points=100)
    >>> res.U["interval"], res.U["verdict"], res.U["inside"]["U_effect"]
    ([3.0, 4.0], 'relevant', True)
    """

    params: dict
    r_hat_max: float
    window_tau: list
    r: dict
    U: dict
    s: dict
    effective: dict
    undefined: dict | None = None
    corrections: dict | None = None

    def _data(self) -> dict:
        """r_hat_max, window_tau, r, U, s, effective, corrections, undefined."""
        return {
            "r_hat_max": self.r_hat_max,
            "window_tau": self.window_tau,
            "r": self.r,
            "U": self.U,
            "s": self.s,
            "effective": self.effective,
            "corrections": self.corrections or {},
            "undefined": self.undefined or {},
        }

    def _columns(self) -> dict:
        """One row per defined (coupling, measure, range): coupling, measure, range ('measured' in the
        window, 'measured_all' over all τ), lo, hi, measured_lo, measured_hi, verdict. An absent range
        has no row (it is named in ``undefined``)."""
        rows = [
            (g, name, kind, *getattr(self, g)["interval"], *rng, getattr(self, g)["verdict"])
            for kind in ("measured", "measured_all")
            for g in ("r", "U", "s")
            for name, rng in getattr(self, g)[kind].items()
        ]
        names = ("coupling", "measure", "range", "lo", "hi", "measured_lo", "measured_hi", "verdict")
        return {name: [row[j] for row in rows] for j, name in enumerate(names)}


def scaling_interval(
    alpha, beta, P=_paper.P, kappa=_paper.KAPPA, U=_paper.U, cutoff=None, r_hat_max=0.01, points=200
) -> ScalingInterval:
    """Scaling intervals of (r, U, s): γ_r = 1+α, U in [γ_U − 1, γ_U] with γ_U = 2(1+α), γ_s = (β−1−α)/2.

    Per coupling: the analytic interval, which diagrams carry a density factor ρ = e^-τ (each
    lowers the exponent by one), the verdict (relevant if the whole interval is > 0, irrelevant
    if < 0) and effective exponents measured along the flow and from the effect of U on
    ⟨Δ_k⟩ in the massless window r̂ = rλ(k_c) ≤ r_hat_max (and over all τ).

    Parameters
    ----------
    alpha, beta, P, kappa, U, cutoff
        The model (defaults: the paper's P = 1000, κ = 1000/100^1.2, U = 0.05, Λ = P).
    r_hat_max : float > 0, optional
        Bound of the massless window (default 0.01).
    points : int, optional
        Points along τ of the effective exponents (default 200).

    Returns
    -------
    ScalingInterval
        ``r``, ``U``, ``s`` (interval, diagrams, verdict, measured, inside), ``window_tau`` and
        ``effective`` (finite numbers only). ``window_tau`` is [0, 0] and the window's measured ranges
        are absent (named in ``undefined``) when r̂ starts above ``r_hat_max`` (raise κ·P or ``r_hat_max``).

    Raises
    ------
    ValueError
        On bad input (the message names the parameter and the allowed range).
    FlowError
        If the flow leaves the range of the expansion.

    Examples
    --------
    >>> import rgflow
    >>> res = rgflow.scaling_interval(alpha=1.0, beta=1.5, P=500, kappa=20, U=0.05, points=100)
    >>> res.r["interval"], res.U["interval"], res.s["interval"]      # 1+α, [2(1+α)−1, 2(1+α)], (β−1−α)/2
    ([2.0, 2.0], [3.0, 4.0], [-0.25, -0.25])
    >>> lo, hi = res.U["measured"]["U_effect"]
    >>> print(f"measured effect of U on the modes: {lo:.2f} .. {hi:.2f}")
    measured effect of U on the modes: 3.02 .. 3.06
    """
    m = Model(alpha, beta, P, kappa, U, cutoff)
    r_hat_max = check_real("r_hat_max", r_hat_max, low=0.0, low_open=True)
    raw = _effective(m, points)
    an = analytic_intervals(m.alpha, m.beta)
    r_modes, r_flow = (
        np.where(raw["series"][name][1], raw["series"][name][2], np.inf) for name in ("r_hat_modes", "r_hat")
    )
    win_modes = r_modes <= r_hat_max
    win_modes[0] = False  # τ = 0: one-sided difference at the cutoff
    win_tau = r_flow <= r_hat_max
    all_modes = np.ones_like(win_modes)
    all_modes[0] = False
    all_tau = np.ones_like(win_tau)
    tol = 1e-6
    masks = {"measured": {"modes": win_modes, "flow": win_tau}, "measured_all": {"modes": all_modes, "flow": all_tau}}
    per, missing = {}, {}
    for g in ("r", "U", "s"):
        iv = an[g]["interval"]
        per[g] = {"interval": iv, "diagrams": an[g]["diagrams"], "verdict": verdict(iv)}
        for kind in ("measured", "measured_all"):
            rngs = {name: _range(raw, name, masks[kind]) for name in _MEASURES[kind][g]}
            per[g][kind] = {name: rng for name, rng in rngs.items() if rng is not None}
            missing.update({f"{g}.{kind}.{name}": _NO_POINT[kind] for name, rng in rngs.items() if rng is None})
        per[g]["inside"] = {
            name: bool(iv[0] - tol <= rng[0] and rng[1] <= iv[1] + tol) for name, rng in per[g]["measured"].items()
        }
    window_tau = [0.0, float(np.max(raw["grid"]["flow"][win_tau])) if win_tau.any() else 0.0]
    effective = _public(raw)
    undefined = {}
    for name, (_, keep, _) in raw["series"].items():
        if not keep.all():
            undefined[f"effective.{name}"] = (
                f"{_WHY.get(name, 'not finite')} at {int((~keep).sum())} of {keep.size} points"
            )
    undefined.update(missing)
    corrections = {}
    if m.beta > 0:
        from .exponents import correction_exponents

        corrections = correction_exponents(m.alpha, m.beta)
    else:
        undefined["corrections"] = "the correction exponents are derived for beta > 0"
    return ScalingInterval(
        m.params, r_hat_max, window_tau, per["r"], per["U"], per["s"], effective, undefined, corrections
    )


# the measured ranges per kind and coupling (in their order of the result)
_MEASURES = {
    "measured": {"r": ("r_hat_flow",), "U": ("U_hat_flow", "U_effect", "U_effect_full"), "s": ("s_flow",)},
    "measured_all": {"r": ("r_hat_flow",), "U": ("U_effect", "U_effect_full", "U_hat_flow"), "s": ("s_flow",)},
}
_NO_POINT = {
    "measured": "no resolved point in the massless window r_hat <= r_hat_max",
    "measured_all": "no resolved point",
}
_WHY = {
    "U_effect_full": "the finite difference in U of the exact mean is below round-off (relative 1e-10)",
    "U_effect": "the first-order effect eps = u G_k (sum + 2G_k) under- or overflows float64",
    "U_hat_flow": "U_hat along the flow under- or overflows float64 (its logarithm is not finite)",
    "r_hat_flow": "r_hat along the flow under- or overflows float64 (its logarithm is not finite)",
    "s_flow": "s along the flow under- or overflows float64 (its logarithm is not finite)",
    "r_hat": "r_hat along the flow is not finite",
    "r_hat_modes": "r lambda_k is not finite",
}
