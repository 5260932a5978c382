"""Integration of the derived one-loop flow of (r, u) over the decimation scale τ = ln ℓ.

Schemes
-------
``continuum``  dr/dτ, du/dτ of derivations §4 with cutoff k_c = Λ e^-τ, integrated by scipy
               (DOP853, dense output) from τ = 0 to τ = ln Λ (k_c = 1).
``discrete``   the one-step update of derivations §3, one mode at a time: the state at mode k
               holds the couplings after the modes k+1 … Λ are integrated out.
``hybrid``     the discrete scheme below ``switch`` modes and, above, the continuum equations
               integrated over k between the midpoints k + ½ (the two agree where a mode's
               own feedback u κ₂ and the curvature of the summand are negligible). This is what
               the predictors use: it costs O(switch) Python steps however large Λ is.

Every scheme returns a :class:`Trajectory`, a continuous solution: ``traj(tau)`` or
``traj.at_mode(k)`` gives r, u and the rescaled s, r̂ = r λ(k_c), Û = u λ(k_c)².
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _equations as eq
from .model import Model, check_int, check_model, check_real
from .results import Result

__all__ = ["flow", "flow_batch", "Trajectory", "FlowError", "SCHEMES"]

SCHEMES = ("continuum", "discrete", "hybrid")
RTOL = 1e-11


class FlowError(RuntimeError):
    """The flow left the range where the one-loop expansion holds, or the integrator failed."""

    def __init__(self, message, tau=None, k_c=None):
        super().__init__(message)
        self.tau = tau
        self.k_c = k_c


@dataclass(frozen=True)
class Trajectory(Result):
    """Running couplings along the RG time τ = ln(Λ/k_c).

    ``tau``, ``r``, ``u`` are the sampled points (τ increasing); ``end`` holds (r, u) after every
    mode has been integrated out (the discrete and hybrid schemes) or at k_c = 1 (continuum).
    """

    model: Model
    scheme: str
    tau: np.ndarray
    r: np.ndarray
    u: np.ndarray
    end: tuple
    _dense: object = field(default=None, repr=False)
    _by_mode: tuple = field(default=None, repr=False)

    @property
    def k_c(self) -> np.ndarray:
        return self.model.cutoff * np.exp(-self.tau)

    def rescaled(self, tau, r, u) -> dict:
        """s = ℓ^γ_s, r̂ = r λ(k_c), Û = u λ(k_c)² at the running cutoff k_c = Λ e^-τ."""
        m = self.model
        lam_c = (m.cutoff * np.exp(-np.asarray(tau, dtype=float))) ** -(1.0 + m.alpha)
        s = np.exp(eq.gamma_s(m.alpha, m.beta) * np.asarray(tau, dtype=float))
        return {"s": s, "r_hat": r * lam_c, "U_hat": u * lam_c**2}

    def __call__(self, tau) -> dict:
        """State at RG time(s) ``tau``: dict of tau, k_c, r, u, s, r_hat, U_hat."""
        tau = np.asarray(tau, dtype=float)
        tmax = self.tau[-1]
        if not np.all((tau >= 0) & (tau <= tmax * (1 + 1e-12))):  # also rejects NaN
            raise ValueError(f"tau must lie in [0, {tmax:g}] for this trajectory, got {tau!r}")
        if self._dense is not None:
            r, u = self._dense(tau)
        else:  # the state after the last completed mode step at or above k_c
            r, u = self._couplings_at_modes(self.model.cutoff * np.exp(-tau))
        return self._state(tau, r, u)

    def _state(self, tau, r, u):
        out = {"tau": tau, "k_c": self.model.cutoff * np.exp(-tau), "r": r, "u": u}
        out.update(self.rescaled(tau, r, u))
        return out

    def at_mode(self, k) -> dict:
        """State with modes k+1 … Λ integrated out (ℓ = Λ/k); k = 0 gives the end state."""
        k = np.asarray(k, dtype=float)
        if not np.all((k >= 0) & (k <= self.model.cutoff)):  # also rejects NaN
            raise ValueError(f"k must lie in [0, {self.model.cutoff}], got {k!r}")
        if self.scheme == "continuum":
            return self(np.log(self.model.cutoff / np.maximum(k, 1.0)))
        ki = k.astype(int)
        r, u = self._couplings_at_modes(ki)
        tau = np.where(ki > 0, np.log(self.model.cutoff / np.maximum(ki, 1)), np.inf)
        return {"tau": tau, "k_c": ki.astype(float), "r": r, "u": u,
                **self.rescaled(np.where(ki > 0, tau, 0.0), r, u)}

    def _couplings_at_modes(self, k):
        """(r, u) after integrating out the modes above k (integer array)."""
        kmax, r_lo, u_lo, hi = self._by_mode
        k = np.asarray(k, dtype=float)
        r = np.empty(k.shape)
        u = np.empty(k.shape)
        low = k <= kmax
        j = kmax - np.floor(k[low] * (1 + 1e-14)).astype(int)
        r[low], u[low] = r_lo[j], u_lo[j]
        if np.any(~low):
            z = hi(np.log(k[~low] + 0.5))
            r[~low], u[~low] = z[0], z[1]
        return r, u

    def _method(self) -> str:
        return self.scheme

    def _columns(self) -> dict:
        """The sampled points: tau, k_c, r, u, s, r_hat, U_hat."""
        return {key: np.asarray(v, dtype=float) for key, v in self._state(self.tau, self.r, self.u).items()}

    def _data(self) -> dict:
        """scheme, the sampled points (tau, k_c, r, u, s, r_hat, U_hat) and the end state {r, u}."""
        return {"scheme": self.scheme, **self._columns(), "end": {"r": float(self.end[0]), "u": float(self.end[1])}}


# ---------------------------------------------------------------------------------------------


def _discrete_steps(model, r, u, kmax):
    """One-mode steps for modes kmax … 1 from couplings (r, u): arrays of length kmax+1."""
    lam = model.eigenvalues(np.arange(1, kmax + 1)).tolist()
    y = model.target(np.arange(1, kmax + 1)).tolist()
    rs = [r]
    us = [u]
    update = eq.shell_update
    square = eq.square_cumulants
    for q in range(kmax - 1, -1, -1):
        d = 1.0 + r * lam[q]
        K1, K2, K3 = square(y[q] / d, lam[q] / d)
        if not u * K2 < 1.0:  # δu = −u²K₂/2 would flip the sign of u
            raise FlowError(
                f"the one-loop step is not small at mode k={q + 1} (u·K2/2 = {u * K2 / 2:.3g} >= 1/2): "
                "the expansion in u breaks down; lower U or raise kappa",
                tau=math.log(model.cutoff / (q + 1)), k_c=q + 1)
        dr, du = update(u, K1, K2, K3)
        r += dr
        u += du
        if not (math.isfinite(r) and math.isfinite(u)):
            raise FlowError(f"the flow diverged at mode k={q + 1}", tau=math.log(model.cutoff / (q + 1)), k_c=q + 1)
        rs.append(r)
        us.append(u)
    return np.array(rs), np.array(us)


def _rhs_tau(model):
    a, b, lam_n = model.alpha, model.beta, model.cutoff

    def rhs(tau, z):
        dr, du = eq.continuum_rhs(z[0], z[1], lam_n * np.exp(-tau), a, b)
        return np.array([dr, du])
    return rhs


def _solve(rhs, t0, t1, z0, what, where):
    """solve_ivp (DOP853); ``where(t)`` -> (τ, k_c) names the point where a failed integration stopped."""
    from scipy.integrate import solve_ivp

    lo, hi = min(t0, t1), max(t0, t1)

    def inside(t, z):
        # older scipy (1.10-1.13 checked) picks its first step without looking at the end of the interval
        # (scipy PR 17348) and may evaluate far outside it (k_c = e^x underflows to 0): never do that
        return rhs(min(max(t, lo), hi), z)

    sol = solve_ivp(inside, (t0, t1), z0, method="DOP853", rtol=RTOL, atol=1e-300, dense_output=True)
    if sol.status != 0 or not np.all(np.isfinite(sol.y)):
        tau, k_c = where(float(sol.t[-1]))
        raise FlowError(f"integration of the {what} flow failed at tau={tau:.6g} (k_c={k_c:.6g}, "
                        f"r={sol.y[0, -1]:.4g}, u={sol.y[1, -1]:.4g}): {str(sol.message).rstrip('.')}; the one-loop flow "
                        "leaves its range here: lower U or raise kappa", tau=tau, k_c=k_c)
    return sol


def flow(model: Model, scheme: str = "continuum", *, switch: int = 1024) -> Trajectory:
    """Integrate the one-loop flow of (r, u) from the cutoff Λ (τ = 0) to the IR.

    ``scheme``: 'continuum' (τ ∈ [0, ln Λ]), 'discrete' (mode by mode) or 'hybrid' (continuum
    above ``switch`` modes, discrete below).
    """
    check_model(model)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    switch = check_int("switch", switch)
    lam_n, r0, u0 = model.cutoff, model.r, model.u

    if scheme == "continuum":
        t1 = math.log(lam_n)
        if u0 == 0.0 or t1 == 0.0:
            tau = np.array([0.0, t1]) if t1 > 0 else np.array([0.0])
            return Trajectory(model, scheme, tau, np.full(tau.shape, r0), np.full(tau.shape, u0), (r0, u0),
                              _dense=lambda t: (np.full(np.shape(t), r0), np.full(np.shape(t), u0)))
        sol = _solve(_rhs_tau(model), 0.0, t1, [r0, u0], "continuum", lambda t: (t, lam_n * math.exp(-t)))
        return Trajectory(model, scheme, sol.t, sol.y[0], sol.y[1], (sol.y[0, -1], sol.y[1, -1]),
                          _dense=lambda t, s=sol.sol: tuple(s(t)))

    kmax = lam_n if scheme == "discrete" else min(lam_n, switch)
    r1, u1, hi = r0, u0, None
    t_hi = r_hi = u_hi = np.empty(0)
    if kmax < lam_n and u0 > 0.0:
        # modes kmax+1 … Λ as the continuum between k = Λ + ½ and k = kmax + ½, integrated in x = ln k
        a, b = model.alpha, model.beta

        def rhs(x, z):
            dr, du = eq.continuum_rhs(z[0], z[1], math.exp(x), a, b)
            return np.array([-dr, -du])

        sol = _solve(rhs, math.log(lam_n + 0.5), math.log(kmax + 0.5), [r0, u0], "hybrid",
                     lambda x: (math.log(lam_n / (math.exp(x) - 0.5)), math.exp(x) - 0.5))
        hi = sol.sol
        t_hi = np.log(lam_n / (np.exp(sol.t[:-1]) - 0.5))
        r_hi, u_hi = sol.y[0, :-1], sol.y[1, :-1]
        r1, u1 = float(sol.y[0, -1]), float(sol.y[1, -1])
    elif kmax < lam_n:
        hi = lambda x: np.array([np.full(np.shape(x), r0), np.full(np.shape(x), u0)])  # noqa: E731
        t_hi, r_hi, u_hi = np.zeros(1), np.full(1, r0), np.full(1, u0)
    if u0 > 0.0:
        r_lo, u_lo = _discrete_steps(model, r1, u1, kmax)
    else:
        r_lo, u_lo = np.full(kmax + 1, r0), np.full(kmax + 1, u0)
    t_lo = np.log(lam_n / np.arange(kmax, 0, -1, dtype=float))
    return Trajectory(model, scheme, np.concatenate([t_hi, t_lo]), np.concatenate([r_hi, r_lo[:-1]]),
                      np.concatenate([u_hi, u_lo[:-1]]), (float(r_lo[-1]), float(u_lo[-1])),
                      _by_mode=(kmax, r_lo, u_lo, hi))


def _check_array(name, values):
    """A non-empty 1-D float array of finite values ≥ 0, or ValueError."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of finite numbers >= 0, got {values!r}") from None
    if arr.ndim > 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be a non-empty 1-D array of finite numbers >= 0, got {values!r}")
    return np.atleast_1d(arr)


def flow_batch(alpha, beta, cutoff, r0, u0, *, tau=None) -> dict:
    """Continuum flow of many initial conditions (r0[i], u0[i]) at once.

    The stacked state of all trajectories is integrated by one solve_ivp call with the
    generated (elementwise) right-hand side, so the cost grows with the number of trajectories
    only through numpy array work. The tolerance is divided by √(2n) because scipy controls the
    RMS error over all components. Returns ``tau`` (default 101 points on [0, ln Λ]) and ``r``,
    ``u`` of shape (len(tau), n). Raises FlowError naming the first failing trajectory.
    """
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=-1.0, low_open=True)
    cutoff = check_int("cutoff", cutoff)
    r0 = _check_array("r0", r0)
    u0 = _check_array("u0", u0)
    n = max(len(r0), len(u0))
    if len(r0) not in (1, n) or len(u0) not in (1, n):
        raise ValueError(f"r0 and u0 must have the same length (or length 1), got {len(r0)} and {len(u0)}")
    r0, u0 = np.broadcast_to(r0, (n,)), np.broadcast_to(u0, (n,))
    t1 = math.log(cutoff)
    tau = np.linspace(0.0, t1, 101) if tau is None else np.asarray(tau, dtype=float)
    if tau.ndim != 1 or not np.all(np.isfinite(tau)) or np.any(tau < 0) or np.any(tau > t1) or np.any(np.diff(tau) < 0):
        raise ValueError(f"tau must be an increasing 1-D array in [0, ln cutoff = {t1:g}]")
    if t1 == 0.0 or not np.any(u0 > 0):
        return {"tau": tau, "r": np.broadcast_to(r0, (len(tau), n)).copy(), "u": np.broadcast_to(u0, (len(tau), n)).copy()}

    def rhs(t, z):
        dr, du = eq.continuum_rhs(z[:n], z[n:], cutoff * math.exp(-t), alpha, beta)
        return np.concatenate([dr, du])

    from scipy.integrate import solve_ivp

    sol = solve_ivp(rhs, (0.0, t1), np.concatenate([r0, u0]), method="DOP853", t_eval=tau,
                    rtol=max(RTOL / math.sqrt(2 * n), 1e-13), atol=1e-300)
    rows = np.flatnonzero(~np.all(np.isfinite(sol.y), axis=1))
    if sol.status != 0 or len(rows) or len(sol.t) != len(tau):
        where = float(sol.t[-1]) if len(sol.t) else 0.0
        which = f" (trajectory {rows[0] % n}: r0={r0[rows[0] % n]:g}, u0={u0[rows[0] % n]:g})" if len(rows) else ""
        raise FlowError(f"the batch flow failed at tau={where:.6g} (k_c={cutoff * math.exp(-where):.6g}){which}: "
                        f"{sol.message}", tau=where, k_c=cutoff * math.exp(-where))
    return {"tau": sol.t, "r": sol.y[:n].T.copy(), "u": sol.y[n:].T.copy()}
