"""Integration of the derived one-loop flow of (r, u) over the decimation scale τ = ln ℓ.

``rgflow.flow(model, scheme)`` calls :func:`flow` of this module (parameters, returns, raises and an
example: ``help(rgflow.flow.flow)``, listed under FUNCTIONS below).

Schemes
-------
``continuum``  dr/dτ, du/dτ of derivations §4 with cutoff k_c = Λ e^-τ, integrated by scipy
               (DOP853, dense output) in x = ln k_c from k_c = Λ (τ = 0) to k_c = 1 (τ = ln Λ).
``discrete``   the one-step update of derivations §3, one mode at a time: the state at mode k
               holds the couplings after the modes k+1 … Λ are integrated out.
``hybrid``     the discrete scheme below ``switch`` modes and, above, the continuum equations
               integrated over k between the midpoints k + ½ (the two agree where a mode's
               own feedback u κ₂ and the curvature of the summand are negligible). This is what
               the predictors use: it costs O(switch) Python steps however large Λ is.

One integration core: :func:`integrate` (all schemes, for any spectrum) and its ODE step
:func:`solve_continuum` are the only places the flow is integrated; ``flow``, ``flow_batch``,
transfer's segments and the flow field's trajectories call them. The continuum right-hand side
is :func:`shell_rates`: dr/dτ = k_c ρ(k_c) dr/dn from the generated ``continuum_shell`` at the
spectrum's λ(k_c), y(k_c), so a measured spectrum is honoured by every scheme. Tolerances
(``RTOL``, ``ATOL``) and the hybrid switch (``SWITCH``) are named once, here.

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
from .spectrum import PowerLaw

__all__ = [
    "flow",
    "flow_batch",
    "integrate",
    "Segment",
    "shell_rates",
    "RTOL",
    "SWITCH",
    "Trajectory",
    "FlowError",
    "SCHEMES",
]

SCHEMES = ("continuum", "discrete", "hybrid")


class FlowError(RuntimeError):
    """The flow left the range where the one-loop expansion holds, or the integrator failed.

    A :class:`RuntimeError` raised when a one-loop step δr = uK₁ − (u²/4)(K₃ + 2K₁K₂),
    δu = −(u²/2)K₂ is no longer small (strong coupling U, small ridge κ) or solve_ivp fails.

    Attributes
    ----------
    tau : float or None
        RG time τ = ln(Λ/k_c) where the flow failed.
    k_c : float or None
        Running cutoff k_c = Λ e^-τ there.

    Examples
    --------
    >>> import rgflow
    >>> try:
    ...     rgflow.flow(rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=1e4))
    ... except rgflow.FlowError as exc:
    ...     print(f"failed at k_c = {exc.k_c:.0f}")
    failed at k_c = 100
    """

    def __init__(self, message, tau=None, k_c=None):
        super().__init__(message)
        self.tau = tau
        self.k_c = k_c


@dataclass(frozen=True)
class Trajectory(Result):
    """Running couplings (r, u) along the RG time τ = ln(Λ/k_c), returned by :func:`flow`.

    Call it at τ (``traj(tau)``) or at a mode (``traj.at_mode(k)``, modes k+1..Λ integrated out):
    both return a dict ``tau, k_c, r, u, s, r_hat, U_hat`` with the rescaled couplings
    r̂ = rλ(k_c), Û = uλ(k_c)² and s = ℓ^γ_s (ℓ = e^τ). ``to_dict()``/``to_rows()`` give the
    JSON/CSV form.

    Attributes
    ----------
    model : Model
        The model whose bare couplings (r, u) = (P/κ, U·P) start the flow at τ = 0.
    scheme : str
        'continuum', 'discrete' or 'hybrid'.
    tau, r, u : ndarray
        The sampled points (τ increasing).
    k_c : ndarray
        Λ e^-τ at the sampled points.
    end : tuple
        (r, u) after every mode has been integrated out (discrete and hybrid schemes) or at
        k_c = 1 (continuum).

    Examples
    --------
    >>> import rgflow
    >>> traj = rgflow.flow(rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=0.05))
    >>> state = traj(1.0)                     # at k_c = Λ/e
    >>> print(f"r = {state['r']:.3f}, u = {state['u']:.3f}, r_hat = {state['r_hat']:.4f}")
    r = 27.807, u = 4.883, r_hat = 0.3675
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
        """s, r̂ = r λ(k_c), Û = u λ(k_c)² at the running cutoff k_c = Λ e^-τ, λ(k_c) from the model's
        spectrum. s = ℓ^γ_s for a power law; for a measured spectrum the same quantity written
        through the spectrum, s² = [k_c y(k_c)²/λ(k_c)] / [Λ y(Λ)²/λ(Λ)] (equal to ℓ^{2γ_s} on a
        power law)."""
        m = self.model
        tau = np.asarray(tau, dtype=float)
        k_c = np.maximum(m.cutoff * np.exp(-tau), 1.0)  # τ ≤ ln Λ up to round-off
        lam_c, y_c = m.spectrum.at(k_c)
        if m.spectrum.power_law:
            s = np.exp(eq.gamma_s(m.alpha, m.beta) * tau)
        else:
            lam_n, y_n = m.spectrum.at(float(m.cutoff))
            with np.errstate(divide="ignore", invalid="ignore"):
                s = np.sqrt((k_c * y_c**2 / lam_c) / (m.cutoff * y_n**2 / lam_n))
            if not np.all(np.isfinite(s)):
                raise FloatingPointError("the rescaled source s is undefined: the target vanishes at the cutoff mode")
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
        return {"tau": tau, "k_c": ki.astype(float), "r": r, "u": u, **self.rescaled(np.where(ki > 0, tau, 0.0), r, u)}

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


#: relative tolerance of every continuum integration of the flow (absolute: ATOL)
RTOL = 1e-11
ATOL = 1e-300
#: flow_batch divides RTOL by √(2n) (scipy controls the RMS error over all components), down to this
BATCH_RTOL_MIN = 1e-13
#: hybrid scheme: the modes above SWITCH are integrated as the continuum between midpoints
SWITCH = 1024


def shell_rates(spectrum, r, u, k_c):
    """(dr/dτ, du/dτ) of the continuum scheme at cutoff k_c: k_c ρ(k_c) (dr/dn, du/dn), with the
    generated ``continuum_shell`` of the shell mode's Δ² cumulants (``square_cumulants`` of
    m = y(k_c)/(1 + r λ(k_c)), G = λ(k_c)/(1 + r λ(k_c))). Elementwise in r, u."""
    lam, y = spectrum.at(k_c)
    d = 1.0 + r * lam
    dr, du = eq.continuum_shell(u, *eq.square_cumulants(y / d, lam / d))
    w = k_c * spectrum.density(k_c)
    return w * dr, w * du


def solve_continuum(
    spectrum, r, u, x_hi, x_lo, *, where, what="continuum", t_eval=None, dense=True, rtol=RTOL, events=None, strict=True
):
    """The one ODE integration of the flow: (r, u) (arrays of n components) in x = ln k_c from x_hi
    down to x_lo (DOP853). ``where(x)`` -> (τ, k_c) names the point of a failure (FlowError);
    ``strict=False`` returns a failed or event-stopped solution instead of raising."""
    from scipy.integrate import solve_ivp

    r = np.atleast_1d(np.asarray(r, dtype=float))
    u = np.atleast_1d(np.asarray(u, dtype=float))
    n = len(r)

    lo, hi = min(x_lo, x_hi), max(x_lo, x_hi)

    def rhs(x, z):
        # older scipy (1.10-1.13 checked) picks its first step without looking at the end of the interval
        # (scipy PR 17348) and may evaluate far outside it (k_c = e^x underflows to 0): never do that
        k_c = math.exp(min(max(x, lo), hi))
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            dr, du = shell_rates(spectrum, z[:n], z[n:], k_c)
        rates = -np.concatenate([dr, du])  # dk_c/dτ = -k_c: d/dx = -d/dτ
        if not np.all(np.isfinite(rates)):
            # u² K2 beyond float64 (0·inf = NaN): the step-size control would spin on it for ever
            i = int(np.flatnonzero(~np.isfinite(rates))[0]) % n
            tau, kc = where(x)
            raise FlowError(
                f"the one-loop rates of the {what} flow overflow float64 at tau={tau:.6g} (k_c={kc:.6g}, "
                f"r={z[i]:.4g}, u={z[n + i]:.4g}: u^2 times the shell cumulants is beyond float64); "
                "lower U or raise kappa",
                tau=tau,
                k_c=kc,
            )
        return rates

    sol = solve_ivp(
        rhs,
        (x_hi, x_lo),
        np.concatenate([r, u]),
        method="DOP853",
        rtol=rtol,
        atol=ATOL,
        dense_output=dense,
        t_eval=t_eval,
        events=events,
    )
    if not isinstance(sol.y, np.ndarray) or sol.y.ndim != 2:  # a failure before the first t_eval point: y = []
        sol.y = np.zeros((2 * n, 0))
    bad = np.flatnonzero(~np.all(np.isfinite(sol.y), axis=1)) if sol.y.size else np.zeros(0, int)
    if strict and (sol.status != 0 or len(bad) or (t_eval is not None and len(sol.t) != len(t_eval))):
        x = float(sol.t[-1]) if len(sol.t) else x_hi
        tau, k_c = where(x)
        if n == 1:
            state = f", r={sol.y[0, -1]:.4g}, u={sol.y[1, -1]:.4g}" if sol.y.size else ""
        else:
            state = f"; trajectory {bad[0] % n}: r0={r[bad[0] % n]:g}, u0={u[bad[0] % n]:g}" if len(bad) else ""
        raise FlowError(
            f"integration of the {what} flow failed at tau={tau:.6g} (k_c={k_c:.6g}{state}): "
            f"{str(sol.message).rstrip('.')}; the one-loop flow leaves its range here: lower U or "
            "raise kappa",
            tau=tau,
            k_c=k_c,
        )
    return sol


def _discrete(spectrum, r, u, k_hi, k_lo, cutoff):
    """One-mode steps (generated ``shell_update``) for the modes k_hi … k_lo+1 from couplings (r, u):
    arrays of the couplings before the first and after every step (length k_hi − k_lo + 1).
    ``cutoff`` names τ = ln(cutoff/k) in a FlowError."""
    lam, y = spectrum.modes(k_hi)
    lam, y = lam.tolist(), y.tolist()
    rs = [r]
    us = [u]
    update = eq.shell_update
    square = eq.square_cumulants
    for q in range(k_hi - 1, k_lo - 1, -1):
        d = 1.0 + r * lam[q]
        K1, K2, K3 = square(y[q] / d, lam[q] / d)
        if not u * K2 < 1.0:  # δu = −u²K₂/2 would flip the sign of u
            raise FlowError(
                f"the one-loop step is not small at mode k={q + 1} (u·K2/2 = {u * K2 / 2:.3g} >= 1/2): "
                "the expansion in u breaks down; lower U or raise kappa",
                tau=math.log(cutoff / (q + 1)),
                k_c=q + 1,
            )
        try:
            dr, du = update(u, K1, K2, K3)
        except OverflowError:  # Python floats raise where numpy would give inf (u² beyond float64)
            dr = du = math.inf
        r += dr
        u += du
        if not (math.isfinite(r) and math.isfinite(u)):
            raise FlowError(
                f"the flow diverged at mode k={q + 1} (r or u beyond float64): lower U or raise kappa",
                tau=math.log(cutoff / (q + 1)),
                k_c=q + 1,
            )
        rs.append(r)
        us.append(u)
    return np.array(rs), np.array(us)


class _Constant:
    """dense(x) of a segment whose couplings do not run (u = 0 or an empty span): (r, u) everywhere.
    A class, not a lambda, so that segments and trajectories pickle."""

    def __init__(self, r, u, as_array=False):
        self.r, self.u, self.as_array = r, u, as_array

    def __call__(self, x):
        out = (np.full(np.shape(x), self.r), np.full(np.shape(x), self.u))
        return np.array(out) if self.as_array else out


class _Pair:
    """dense(x) = (r(x), u(x)) of a continuum segment from scipy's OdeSolution (picklable)."""

    def __init__(self, sol):
        self.sol = sol

    def __call__(self, x):
        return tuple(self.sol(x))


class _InTau:
    """A trajectory's dense solution in τ: (r, u)(τ) = dense(x = ln Λ − τ) (picklable)."""

    def __init__(self, dense, log_cutoff):
        self.dense, self.log_cutoff = dense, log_cutoff

    def __call__(self, tau):
        return self.dense(self.log_cutoff - np.asarray(tau, dtype=float))


@dataclass(frozen=True)
class Segment:
    """The flow of (r, u) from cutoff ``k_hi`` down to mode ``k_lo`` (see :func:`integrate`).

    ``dense``  continuous solution in x = ln k (None when nothing was integrated as a continuum):
               dense(x) -> (r, u); it spans [x_lo_c, x_hi_c] = ``x_span``
    ``t``, ``r``, ``u``  the continuum's sampled points (x decreasing)
    ``kmax``, ``r_modes``, ``u_modes``  the discrete part: r_modes[j] after the modes above kmax − j
               are integrated out (j = 0 … kmax − k_lo)
    ``end``    (r, u) at k_lo
    """

    scheme: str
    k_hi: float
    k_lo: int
    dense: object
    x: np.ndarray
    r: np.ndarray
    u: np.ndarray
    kmax: int
    r_modes: np.ndarray
    u_modes: np.ndarray
    end: tuple


def integrate(spectrum, r, u, k_hi, k_lo=0, scheme="continuum", *, switch=SWITCH, cutoff=None) -> Segment:
    """Integrate the one-loop flow of (r, u) for ``spectrum`` from cutoff ``k_hi`` down to mode ``k_lo``.

    The single integration core of rgflow: every flow (``flow``, ``flow_batch``, transfer's
    segments, the flow field's trajectories) goes through it.

    ``continuum``  dr/dτ = k_c ρ (dr/dn) (:func:`shell_rates`) in x = ln k_c from ln k_hi to
                   ln max(k_lo, 1) (k_hi may be real);
    ``discrete``   one-mode steps for the modes k_hi … k_lo+1;
    ``hybrid``     the continuum from k_hi + ½ down to max(k_lo, switch) + ½, then mode by mode.

    ``cutoff`` (default k_hi) is the Λ of τ = ln(Λ/k_c) in a FlowError. Returns a :class:`Segment`.
    """
    cutoff = k_hi if cutoff is None else cutoff
    r, u = float(r), float(u)
    none = np.empty(0)
    if scheme == "continuum":
        x_hi, x_lo = math.log(k_hi), math.log(max(k_lo, 1))
        if u == 0.0 or x_hi == x_lo:
            x = np.array([x_hi, x_lo]) if x_hi > x_lo else np.array([x_hi])
            return Segment(
                scheme, k_hi, k_lo, _Constant(r, u), x, np.full(x.shape, r), np.full(x.shape, u), 0, none, none, (r, u)
            )
        sol = solve_continuum(spectrum, r, u, x_hi, x_lo, where=lambda x: (math.log(cutoff) - x, math.exp(x)))
        return Segment(
            scheme,
            k_hi,
            k_lo,
            _Pair(sol.sol),
            sol.t,
            sol.y[0],
            sol.y[1],
            0,
            none,
            none,
            (float(sol.y[0, -1]), float(sol.y[1, -1])),
        )
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    k_hi = int(k_hi)
    kmax = k_hi if scheme == "discrete" else min(k_hi, max(switch, k_lo))
    dense, x, rc, uc = None, none, none, none
    if kmax < k_hi:  # hybrid: modes kmax+1 … k_hi as the continuum between k_hi + ½ and kmax + ½
        x_hi, x_lo = math.log(k_hi + 0.5), math.log(kmax + 0.5)
        if u > 0.0:
            sol = solve_continuum(
                spectrum,
                r,
                u,
                x_hi,
                x_lo,
                what="hybrid",
                where=lambda x: (math.log(cutoff / (math.exp(x) - 0.5)), math.exp(x) - 0.5),
            )
            dense, x, rc, uc = sol.sol, sol.t, sol.y[0], sol.y[1]
            r, u = float(sol.y[0, -1]), float(sol.y[1, -1])
        else:
            dense = _Constant(r, u, as_array=True)
            x, rc, uc = np.full(1, x_hi), np.full(1, r), np.full(1, u)
    if u > 0.0:
        r_m, u_m = _discrete(spectrum, r, u, kmax, k_lo, cutoff)
    else:
        r_m, u_m = np.full(kmax - k_lo + 1, r), np.full(kmax - k_lo + 1, u)
    return Segment(scheme, k_hi, k_lo, dense, x, rc, uc, kmax, r_m, u_m, (float(r_m[-1]), float(u_m[-1])))


def flow(model: Model, scheme: str = "continuum", *, switch: int = SWITCH) -> Trajectory:
    """One-loop flow dr/dτ = k_c[uκ₁ − u²κ₃/4], du/dτ = −k_c u²κ₂/2 (k_c = Λe^-τ) from the cutoff to the IR.

    Integrates the running mass r and quartic u from (P/κ, U·P) at the cutoff Λ (τ = 0) as the
    modes above k_c are integrated out. The continuum scheme uses the shell cumulants κ_n of the
    mode density; the discrete scheme applies δr = uK₁ − (u²/4)(K₃ + 2K₁K₂), δu = −(u²/2)K₂ one
    mode at a time. The spectrum is the model's (power law or measured).

    Parameters
    ----------
    model : Model
        The model; its r = P/κ and u = U·P are the couplings at τ = 0.
    scheme : {'continuum', 'discrete', 'hybrid'}, optional
        'continuum' (τ ∈ [0, ln Λ]), 'discrete' (mode by mode) or 'hybrid' (continuum above
        ``switch`` modes, discrete below). Default 'continuum'.
    switch : int ≥ 1, optional
        Mode below which the hybrid scheme steps mode by mode (default 1024).

    Returns
    -------
    Trajectory
        The running couplings: ``traj(tau)``, ``traj.at_mode(k)``, ``traj.end``.

    Raises
    ------
    ValueError
        If ``model`` is not a Model, ``scheme`` is unknown or ``switch`` is not an integer ≥ 1.
    FlowError
        If a one-loop step is no longer small (the flow leaves the range of the expansion; lower
        U or raise κ), with the ``tau`` and ``k_c`` where it happened.

    Examples
    --------
    >>> import rgflow
    >>> model = rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=0.05)
    >>> traj = rgflow.flow(model, "discrete")
    >>> state = traj.at_mode(50)              # modes 51..100 integrated out
    >>> print(f"r = {state['r']:.3f} (bare {model.r}), u = {state['u']:.3f} (bare {model.u})")
    r = 26.962 (bare 25.0), u = 4.930 (bare 5.0)
    >>> print("r, u at the end: %.3f, %.3f" % traj.end)
    r, u at the end: 31.690, 4.469
    """
    check_model(model)
    if model.network:
        raise ValueError(
            "flow integrates the quartic's couplings (r, u); a network (width given) has none: its "
            "coupling is the distribution of its scale Q, whose running couplings are "
            "rgflow.network.running_couplings(model, k)"
        )
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    switch = check_int("switch", switch)
    lam_n = model.cutoff
    seg = integrate(model.spectrum, model.r, model.u, lam_n, 0, scheme, switch=switch)
    t1 = math.log(lam_n)
    if scheme == "continuum":
        return Trajectory(model, scheme, t1 - seg.x, seg.r, seg.u, seg.end, _dense=_InTau(seg.dense, t1))
    t_hi = np.log(lam_n / (np.exp(seg.x[:-1]) - 0.5)) if len(seg.x) > 1 else np.zeros(len(seg.x))
    r_hi, u_hi = (seg.r[:-1], seg.u[:-1]) if len(seg.x) > 1 else (seg.r, seg.u)
    t_lo = np.log(lam_n / np.arange(seg.kmax, 0, -1, dtype=float))
    return Trajectory(
        model,
        scheme,
        np.concatenate([t_hi, t_lo]),
        np.concatenate([r_hi, seg.r_modes[:-1]]),
        np.concatenate([u_hi, seg.u_modes[:-1]]),
        seg.end,
        _by_mode=(seg.kmax, seg.r_modes, seg.u_modes, seg.dense),
    )


def _check_array(name, values):
    """A non-empty 1-D float array of finite values ≥ 0, or ValueError."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of finite numbers >= 0, got {values!r}") from None
    if arr.ndim > 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be a non-empty 1-D array of finite numbers >= 0, got {values!r}")
    return np.atleast_1d(arr)


def flow_batch(alpha, beta, cutoff, r0, u0, *, tau=None, spectrum=None) -> dict:
    """Continuum flow dr/dτ, du/dτ of many initial conditions (r0[i], u0[i]) at once.

    The stacked state of all trajectories is integrated by one solve_ivp call with the
    generated (elementwise) right-hand side, so the cost grows with the number of trajectories
    only through numpy array work. The tolerance is divided by √(2n) because scipy controls the
    RMS error over all components.

    Parameters
    ----------
    alpha, beta : float
        Spectrum and target exponents (None when ``spectrum`` is given).
    cutoff : int ≥ 1
        Number of modes Λ; τ runs over [0, ln Λ].
    r0, u0 : array_like of float ≥ 0
        Initial mass and quartic at τ = 0, equal lengths n (or length 1, broadcast).
    tau : array_like, optional
        Increasing output times in [0, ln Λ] (default 101 points on [0, ln Λ]).
    spectrum : PowerLaw or Measured, optional
        Replaces the power law (then alpha = beta = None).

    Returns
    -------
    dict
        ``tau`` and ``r``, ``u`` of shape (len(tau), n).

    Raises
    ------
    ValueError
        On bad input (the message names the parameter and the allowed range).
    FlowError
        Naming the first failing trajectory.

    Examples
    --------
    >>> import rgflow
    >>> out = rgflow.flow_batch(0.2, 0.3, 100, r0=[25.0, 50.0], u0=[5.0, 5.0], tau=[0, 1, 2])
    >>> out["r"].shape                         # (len(tau), number of trajectories)
    (3, 2)
    >>> print(out["r"][-1].round(3))
    [29.952 53.844]
    """
    if spectrum is None:
        spectrum = PowerLaw(
            check_real("alpha", alpha, low=0.0, low_open=True), check_real("beta", beta, low=-1.0, low_open=True)
        )
    else:
        Model.build(alpha, beta, 1, 1.0, 0.0, cutoff, spectrum)  # alpha = beta = None; cutoff <= its modes
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
        return {
            "tau": tau,
            "r": np.broadcast_to(r0, (len(tau), n)).copy(),
            "u": np.broadcast_to(u0, (len(tau), n)).copy(),
        }

    x_eval = math.log(cutoff) - tau
    sol = solve_continuum(
        spectrum,
        r0,
        u0,
        math.log(cutoff),
        0.0,
        t_eval=x_eval,
        dense=False,
        rtol=max(RTOL / math.sqrt(2 * n), BATCH_RTOL_MIN),
        what="batch",
        where=lambda x: (math.log(cutoff) - x, math.exp(x)),
    )
    return {"tau": tau.copy(), "r": sol.y[:n].T.copy(), "u": sol.y[n:].T.copy()}
