"""The (U, r) flow field of the one-loop RG at chosen RG times, its nullclines, and Figures 1 and 2.

Two views (``rescaled`` flag of :func:`flow_field`; default True, as ``rgflow field``)
---------------------------------------------------------------------------------
``rescaled=False``  the couplings of the action, evaluated with the generated ``continuum_rhs``
                    at the cutoff k_c = Λ e^-τ. The horizontal axis is the *model's* U = u/P
                    (docs/theory.md §1: u = U·P), with P = Λ unless ``P`` is given, so
                    dU/dτ = (du/dτ)/P;  the vertical axis is the mass r.
``rescaled=True``   the dimensionless couplings r̂ = r λ(k_c), Û = u λ(k_c)² (u the coupling of the
                    action, *not* U), evaluated with the generated ``rescaled_rhs`` at mode
                    density ρ = e^-τ and s = ℓ^γ_s = e^{γ_s τ} (the exact solution of ds/dτ;
                    s ≡ 1 when β = 1 + α, where the flow closes in the (Û, r̂) plane).

Every array is evaluated in one vectorized call per view (no Python loop over grid points).

Magnitude and colour
--------------------
``magnitude`` is |v| with each component measured in units of its axis span,
|v| = √((dU/dτ / ΔU)² + (dr/dτ / Δr)²) (so the arrow directions are the directions seen in the
plot, and |v| is the rate in plot windows per unit τ); ``ln_magnitude`` = ln |v| is the colour;
``direction`` is the unit vector (dU/ΔU, dr/Δr)/|v|. Both are undefined where the flow stops (|v| = 0,
a fixed point on the grid: −inf and NaN there), so they are properties for plotting only: the
JSON/CSV data hold ``magnitude`` (finite everywhere), not its logarithm.

Nullclines
----------
The zero sets of each component, computed from the generated equations: a component that vanishes
identically on the line U = 0 carries a factor U^m (dr/dτ ∝ u and du/dτ ∝ u² in the raw view,
dÛ/dτ ∝ Û in the rescaled view; the factor is found numerically); it is divided out, the zero
contour of the reduced function is traced on the grid (contourpy, matplotlib's contouring library)
and every vertex is then polished by bisection on its grid edge, so the component vanishes on the
returned points to round-off. The trivial branch U = 0 is reported separately (``trivial``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from . import _equations as eq
from .model import check_int, check_real
from .results import Result

__all__ = ["flow_field", "FlowField", "parse_tau", "write_field", "read_field", "METHOD"]

METHOD = "one-loop continuum flow (rgflow._equations.continuum_rhs / rescaled_rhs)"


@dataclass(frozen=True)
class FlowField(Result):
    """The flow field (dU/dτ, dr/dτ) (or (dÛ/dτ, dr̂/dτ) when rescaled) on a grid at several τ.

    Returned by :func:`flow_field`; the module docstring gives the conventions of both views.
    Arrays are indexed [τ, r, U] (rows r, columns U, as matplotlib's streamplot expects).

    Attributes
    ----------
    params : dict
        alpha, beta, cutoff (and P).
    rescaled : bool
        True for the dimensionless couplings Û = uλ(k_c)², r̂ = rλ(k_c).
    tau, k_c, s : ndarray, shape (nτ,)
        The RG times, the cutoffs Λe^-τ and the source coupling s = ℓ^γ_s.
    U, r : ndarray, shape (nτ, n)
        The grid axes (the window may depend on τ).
    dU, dr : ndarray, shape (nτ, n, n)
        The components of the field; ``magnitude``, ``ln_magnitude`` have the same shape and
        ``direction`` (nτ, 2, n, n) (``ln_magnitude`` is −inf and ``direction`` NaN where the flow
        stops; neither is in the exported data).
    nullclines : tuple of dict
        Per τ: {"r": [array (m, 2) of (U, r) points per branch], "U": [...], "trivial": [...]}.
    trajectories : tuple of dict
        The integrated trajectories (tau, U, r, stopped).

    Examples
    --------
    >>> import rgflow
    >>> field = rgflow.flow_field(alpha=0.2, cutoff=1000, tau=(0, 2), n=20)
    >>> field.rescaled, field.U.shape, field.dU.shape
    (True, (2, 20), (2, 20, 20))
    >>> print(field.k_c.round(2), field.s)            # β = 1 + α by default: s ≡ 1
    [1000.    135.34] [1. 1.]
    """

    params: dict
    rescaled: bool
    tau: np.ndarray
    k_c: np.ndarray
    s: np.ndarray
    U: np.ndarray
    r: np.ndarray
    dU: np.ndarray
    dr: np.ndarray
    ds: np.ndarray
    nullclines: tuple = ()
    trajectories: tuple = ()
    version: str = ""
    method: str = METHOD

    @property
    def labels(self):
        return ("Û", "r̂") if self.rescaled else ("U", "r")

    def _spans(self):
        sU = (self.U[:, -1] - self.U[:, 0])[:, None, None]
        sr = (self.r[:, -1] - self.r[:, 0])[:, None, None]
        return sU, sr

    @property
    def magnitude(self):
        sU, sr = self._spans()
        return np.hypot(self.dU / sU, self.dr / sr)

    @property
    def ln_magnitude(self):
        with np.errstate(divide="ignore"):
            return np.log(self.magnitude)

    @property
    def direction(self):
        sU, sr = self._spans()
        m = self.magnitude
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.stack([self.dU / sU / m, self.dr / sr / m], axis=1)

    def _data(self) -> dict:
        """method, view, rescaled, axes, layout, tau, k_c, s, U, r, dU, dr, ds, magnitude (not its
        logarithm: −inf where the flow stops), nullclines, trajectories (nested lists); in the
        rescaled view also U_hat, r_hat, dU_hat, dr_hat (= U, r, dU, dr: the CSV column names)."""

        def arr(a):
            return np.asarray(a, dtype=float)

        return {
            "method": self.method,
            "view": "rescaled (U_hat, r_hat)" if self.rescaled else "couplings (U = u/P, r)",
            "rescaled": self.rescaled,
            "axes": list(self.labels),
            "layout": "arrays [tau][r][U]",
            "tau": self.tau,
            "k_c": self.k_c,
            "s": self.s,
            "U": self.U,
            "r": self.r,
            "dU": self.dU,
            "dr": self.dr,
            "ds": self.ds,
            "magnitude": self.magnitude,
            # the coordinates also under the names of the view, as in the CSV columns
            **({"U_hat": self.U, "r_hat": self.r, "dU_hat": self.dU, "dr_hat": self.dr} if self.rescaled else {}),
            "nullclines": [{key: [arr(b) for b in nc[key]] for key in ("r", "U", "trivial")} for nc in self.nullclines],
            "trajectories": [{key: arr(t[key]) for key in ("tau", "U", "r")} for t in self.trajectories],
        }

    def _columns(self) -> dict:
        """Long format, one row per grid point [τ][r][U]: tau, U (U_hat), r (r_hat), dU, dr, magnitude."""
        T = np.broadcast_to(self.tau[:, None, None], self.dU.shape)
        UU = np.broadcast_to(self.U[:, None, :], self.dU.shape)
        RR = np.broadcast_to(self.r[:, :, None], self.dU.shape)
        uname, rname = ("U_hat", "r_hat") if self.rescaled else ("U", "r")
        return {
            "tau": T.ravel(),
            uname: UU.ravel(),
            rname: RR.ravel(),
            "d" + uname: self.dU.ravel(),
            "d" + rname: self.dr.ravel(),
            "magnitude": self.magnitude.ravel(),
        }

    def _header(self) -> dict:
        return {
            "method": "'" + self.method + "'",
            "rescaled": self.rescaled,
            "note": "'magnitude in units of the axis spans; nullclines only in the JSON export'",
        }


# ---------------------------------------------------------------------------------------------
# evaluation


def _rhs(rescaled, U, r, tau, alpha, beta, cutoff, P):
    """(dU/dτ, dr/dτ, ds/dτ, s) of the chosen view; numpy broadcasting over U, r, tau."""
    tau = np.asarray(tau, dtype=float)
    if rescaled:
        rho = np.exp(-tau)
        s = np.exp(eq.gamma_s(alpha, beta) * tau)
        ds, dr, dU = eq.rescaled_rhs(rho, s, r, U, alpha, beta, cutoff)
        return dU, dr, ds * np.ones(np.broadcast(U, r, tau).shape), s
    k_c = cutoff * np.exp(-tau)
    dr, du = eq.continuum_rhs(r, U * P, k_c, alpha, beta)
    shape = np.broadcast(U, r, tau).shape
    return du / P * np.ones(shape), dr * np.ones(shape), np.zeros(shape), np.ones(np.shape(tau))


def _auto_window(rescaled, tau, alpha, beta, cutoff, P):
    """Default window at τ: r̂ ∈ [−0.9, 1], Û ∈ [0, 2.5 Û*] with Û* the U-nullcline at r̂ = 0
    (raw view: the same window mapped back, r = r̂/λ_c, U = Û/(λ_c² P))."""
    k_c = cutoff * math.exp(-tau)
    s = math.exp(eq.gamma_s(alpha, beta) * tau)
    U_star = 2 * (1 + alpha) / (k_c + 2 * s**2 * cutoff ** (alpha - beta + 1))
    U_rng, r_rng = (0.0, 2.5 * U_star), (-0.9, 1.0)
    if rescaled:
        return U_rng, r_rng
    lam = k_c ** -(1 + alpha)
    return (0.0, U_rng[1] / lam**2 / P), (r_rng[0] / lam, r_rng[1] / lam)


N_MAX = 2000  # grid points per axis
POINTS_MAX = 10**6  # tau values x n^2 grid points (each holds about 200 bytes of arrays and temporaries)
EXP_MAX = 700.0  # |ln| of every power k^x evaluated (float64 ends at e^709)


def _check_exponents(alpha, beta, cutoff):
    """ValueError naming alpha or beta when λ_k² = k^-2(1+α) or s = k^((β-α-1)/2) over 1 <= k <= cutoff leaves
    float64 (|ln| > 700): the field would be inf or NaN."""
    ln = math.log(cutoff)
    if 2.0 * (1.0 + alpha) * ln > EXP_MAX:
        raise ValueError(
            f"alpha must satisfy 2 (1 + alpha) ln(cutoff) <= {EXP_MAX:g} (lambda_k^2 = k^-2(1+alpha) "
            f"representable up to cutoff = {cutoff}): alpha <= {EXP_MAX / (2 * ln) - 1:.4g}, got {alpha!r}"
        )
    if 2.0 * abs(eq.gamma_s(alpha, beta)) * ln > EXP_MAX:
        raise ValueError(
            f"beta must satisfy |beta - alpha - 1| ln(cutoff) <= {EXP_MAX:g} (the rescaling s "
            f"representable up to cutoff = {cutoff}): beta in [{alpha + 1 - EXP_MAX / ln:.4g}, "
            f"{alpha + 1 + EXP_MAX / ln:.4g}], got {beta!r}"
        )


def _check_range(name, rng):
    try:
        lo, hi = (float(v) for v in rng)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {rng!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        raise ValueError(f"{name} must be a finite pair with high > low, got {rng!r}")
    return lo, hi


def _check_pair(name, pair, what):
    """Two finite floats or ValueError naming ``name``."""
    try:
        a, b = (float(v) for v in pair)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair {what} of finite numbers, got {pair!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"{name} must be a pair {what} of finite numbers, got {pair!r}")
    return a, b


def parse_tau(text) -> tuple:
    """RG times from '0,1,2', a linearly spaced range 'START:STOP:NUM' (τ = ln ℓ is already a
    logarithm) or a sequence of numbers -> tuple of floats >= 0; ValueError naming tau otherwise."""
    if isinstance(text, str):
        from ._values import parse_values

        values = list(parse_values(text, "tau", integer=False, spacing="linear", low=0.0))
    else:
        try:
            values = list(np.atleast_1d(np.asarray(text, dtype=float)))
        except (TypeError, ValueError):
            raise ValueError(f"tau must be numbers >= 0, got {text!r}") from None
        if not values:
            raise ValueError("tau must hold at least one RG time")
    for v in values:
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"every tau must be a finite number >= 0, got {v!r}")
    return tuple(float(v) for v in values)


def flow_field(
    alpha,
    beta=None,
    cutoff=1000,
    tau=(0, 1, 2),
    U_range=None,
    r_range=None,
    n=200,
    rescaled=True,
    P=None,
    trajectories=(),
    traj_tau=None,
    nullclines=True,
) -> FlowField:
    """The one-loop flow field dr/dτ = k_c[uκ₁ − u²κ₃/4], du/dτ = −k_c u²κ₂/2 on a grid at RG times ``tau``.

    In the (Û, r̂) plane (``rescaled``, the default, Û = uλ(k_c)², r̂ = rλ(k_c)) or the (U, r)
    plane of the action, with the nullclines at each τ; the field changes shape with τ because
    the β-functions depend on ℓ explicitly.

    Parameters
    ----------
    alpha : float > 0
        Spectrum exponent.
    beta : float > -1, optional
        Target exponent (default 1 + alpha, where s ≡ 1 and the flow closes in the plane).
    cutoff : int ≥ 2, optional
        Λ; the cutoff at RG time τ is k_c = Λ e^-τ, τ ≤ ln Λ (default 1000).
    tau : sequence of float or str, optional
        RG times (default (0, 1, 2)); also a string '0,1,2' or 'START:STOP:NUM'.
    U_range, r_range : (low, high), optional
        The window, the same at every τ; None: a window per τ around the U-nullcline.
    n : int in [3, 2000], optional
        Grid points per axis (n × n grid; default 200); (number of τ) × n² <= 10⁶.
    rescaled : bool, optional
        The dimensionless view (default True) or the couplings of the action.
    P : int, optional
        Samples, only for U = u/P in the raw view (default Λ).
    trajectories : sequence of (U0, r0), optional
        Starting points at τ = traj_tau[0], each integrated through the full τ-dependent flow to
        traj_tau[1] (default: from the first to the last ``tau``).
    traj_tau : (float, float), optional
        The τ interval of the trajectories.
    nullclines : bool, optional
        Compute the nullclines (default True).

    Returns
    -------
    FlowField
        ``U``, ``r``, ``dU``, ``dr``, ``magnitude``, ``nullclines``, ``trajectories`` per τ.

    Raises
    ------
    ValueError
        On bad input (e.g. a τ outside [0, ln Λ], a window with low ≥ high), naming the parameter;
        also exponents whose powers leave float64 over 1 ≤ k ≤ Λ: 2(1 + α) ln Λ ≤ 700 and
        |β − α − 1| ln Λ ≤ 700 are required.
    FloatingPointError
        If the field is non-finite anyway (a window reaching a pole of the raw flow).

    Examples
    --------
    >>> import rgflow
    >>> field = rgflow.flow_field(alpha=0.2, cutoff=1000, tau=(0, 2), n=20, trajectories=[(1e-3, 0.1)])
    >>> field.dU.shape                          # [τ, r, U]
    (2, 20, 20)
    >>> sorted(field.nullclines[0]), sorted(field.trajectories[0])
    (['U', 'r', 'trivial'], ['U', 'r', 'stopped', 'tau'])
    """
    from ._version import __version__

    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = 1.0 + alpha if beta is None else check_real("beta", beta, low=-1.0, low_open=True)
    cutoff = check_int("cutoff", cutoff, low=2)
    P = cutoff if P is None else check_int("P", P)
    n = check_int("n", n, low=3, high=N_MAX)
    taus = np.array(parse_tau(tau))
    if len(taus) * n * n > POINTS_MAX:
        raise ValueError(
            f"n must satisfy (number of tau) x n^2 <= {POINTS_MAX:.0e} grid points (about "
            f"{POINTS_MAX * 200 / 1e9:.1f} GB), got {len(taus)} x {n}^2"
        )
    tmax = math.log(cutoff)
    _check_exponents(alpha, beta, cutoff)
    if np.any(taus > tmax):
        raise ValueError(f"tau must lie in [0, ln cutoff = {tmax:.4g}] (k_c >= 1), got {tuple(float(t) for t in taus)}")
    rescaled = bool(rescaled)
    if U_range is not None:
        U_range = _check_range("U_range", U_range)
    if r_range is not None:
        r_range = _check_range("r_range", r_range)

    U = np.empty((len(taus), n))
    r = np.empty((len(taus), n))
    for i, t in enumerate(taus):
        au, ar = _auto_window(rescaled, t, alpha, beta, cutoff, P)
        U[i] = np.linspace(*(U_range or au), n)
        r[i] = np.linspace(*(r_range or ar), n)
    T = taus[:, None, None]
    with np.errstate(all="ignore"):
        dU, dr, ds, s = _rhs(rescaled, U[:, None, :], r[:, :, None], T, alpha, beta, cutoff, P)
    for name, arr in (("U", U), ("r", r), ("dU", dU), ("dr", dr), ("ds", ds)):
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.argwhere(bad)[0][0])
            raise FloatingPointError(
                f"the flow field has non-finite {name} at tau = {taus[i]:g} (alpha = {alpha:g}, "
                f"beta = {beta:g}, cutoff = {cutoff}): beyond float64 or at a pole of the flow; "
                "narrow U_range/r_range or the exponents"
            )
    params = {"alpha": alpha, "beta": beta, "cutoff": cutoff, "P": P, "n": n}
    ff = FlowField(
        params,
        rescaled,
        taus,
        cutoff * np.exp(-taus),
        np.broadcast_to(np.ravel(s), taus.shape).copy(),
        U,
        r,
        dU,
        dr,
        ds,
        version=__version__,
    )
    if nullclines:
        ff = replace(ff, nullclines=tuple(_nullclines(ff, i) for i in range(len(taus))))
    if len(trajectories):
        t0, t1 = (taus[0], taus[-1]) if traj_tau is None else (float(traj_tau[0]), float(traj_tau[1]))
        if not (0 <= t0 < t1 <= tmax):
            raise ValueError(f"traj_tau must satisfy 0 <= start < end <= ln cutoff, got {(t0, t1)}")
        ff = replace(
            ff,
            trajectories=tuple(
                integrate(alpha, beta, cutoff, p, (t0, t1), rescaled=rescaled, P=P) for p in trajectories
            ),
        )
    return ff


def integrate(alpha, beta, cutoff, start, tau_span, rescaled=True, P=None, points=200) -> dict:
    """The RG trajectory from ``start`` = (U0, r0) at τ = tau_span[0] to tau_span[1].

    The couplings (r, u) of the action are integrated by the flow's core
    (:func:`rgflow.flow.solve_continuum`, the continuum scheme of the power law) and mapped to the
    view: raw U = u/P, r; rescaled Û = u λ(k_c)², r̂ = r λ(k_c). Stops early (``stopped`` = True)
    where 1 + r̂ → 0 (the Gaussian weight of the cutoff mode is lost) or a coupling diverges."""
    from .flow import solve_continuum
    from .spectrum import PowerLaw

    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = 1.0 + alpha if beta is None else check_real("beta", beta, low=-1.0, low_open=True)
    cutoff = check_int("cutoff", cutoff, low=2)
    P = cutoff if P is None else check_int("P", P)
    points = check_int("points", points, low=2)
    U0, r0 = _check_pair("start", start, "(U0, r0)")
    t0, t1 = _check_pair("tau_span", tau_span, "(start, end)")
    if not 0 <= t0 < t1 <= math.log(cutoff):
        raise ValueError(
            f"tau_span must satisfy 0 <= start < end <= ln cutoff = {math.log(cutoff):.4g}, got {(t0, t1)}"
        )
    spectrum = PowerLaw(alpha, beta)
    ln_cut = math.log(cutoff)

    def lam(x):
        return spectrum.at(np.exp(x))[0]

    lam0 = lam(ln_cut - t0)
    r_start, u_start = (r0 / lam0, U0 / lam0**2) if rescaled else (r0, U0 * P)

    def blowup(x, z):
        return 1.0 + z[0] * lam(x) - 0.05

    blowup.terminal = True

    taus = np.linspace(t0, t1, points)
    sol = solve_continuum(
        spectrum,
        r_start,
        u_start,
        ln_cut - t0,
        ln_cut - t1,
        t_eval=ln_cut - taus,
        dense=False,
        events=blowup,
        strict=False,
        where=None,
    )
    r, u = sol.y
    lam_c = lam(sol.t)
    ok = np.isfinite(r) & np.isfinite(u)
    U_view, r_view = (u * lam_c**2, r * lam_c) if rescaled else (u / P, r)
    return {"tau": taus[: len(sol.t)][ok], "U": U_view[ok], "r": r_view[ok], "stopped": sol.status != 0}


# ---------------------------------------------------------------------------------------------
# nullclines


def _reduced(ff, i, which, U, r, power):
    """component / U^power at points (U, r) and RG time τ_i (U = 0 evaluated as a tiny positive U)."""
    p = ff.params
    Ue = np.where(U == 0, 1e-150, U)
    with np.errstate(all="ignore"):
        dU, dr, _, _ = _rhs(ff.rescaled, Ue, r, ff.tau[i], p["alpha"], p["beta"], p["cutoff"], p["P"])
        comp = dU if which == "U" else dr
        return comp / Ue**power  # NaN where 0/0 (U^power underflows): dropped by the callers


def _u_power(ff, i, which):
    """The power m of the factor U^m that the component carries (0, 1 or 2), found numerically."""
    r = ff.r[i]
    for m in range(3):
        z = _reduced(ff, i, which, np.full_like(r, 1e-150), r, m)
        if np.any(np.abs(z) > 1e-120):
            return m
    return 3


def _nullclines(ff, i, iters=60):
    import contourpy

    out = {"r": [], "U": [], "trivial": []}
    U, r = ff.U[i], ff.r[i]
    UU, RR = np.meshgrid(U, r)
    for which in ("r", "U"):
        m = _u_power(ff, i, which)
        if m > 0 and U[0] <= 0.0 <= U[-1]:
            out["trivial"].append(np.array([[0.0, r[0]], [0.0, r[-1]]]))
        z = _reduced(ff, i, which, UU, RR, m)
        z = np.where(np.isfinite(z), z, np.nan)
        gen = contourpy.contour_generator(U, r, z, line_type="Separate")
        for line in gen.lines(0.0):
            if len(line) < 2:
                continue
            out[which].append(_polish(ff, i, which, m, line, U, r, iters))
    return out


def _polish(ff, i, which, m, pts, U, r, iters):
    """Move each contour vertex onto the exact zero by bisection along the grid edge it lies on."""
    pts = np.array(pts, dtype=float)
    dU, dr = U[1] - U[0], r[1] - r[0]
    fu = (pts[:, 0] - U[0]) / dU
    fr = (pts[:, 1] - r[0]) / dr
    on_vertical = np.abs(fu - np.round(fu)) < np.abs(fr - np.round(fr))  # U fixed: bisect in r
    lo = pts.copy()
    hi = pts.copy()
    iu = np.clip(np.floor(fu), 0, len(U) - 2).astype(int)
    ir = np.clip(np.floor(fr), 0, len(r) - 2).astype(int)
    lo[on_vertical, 1], hi[on_vertical, 1] = r[ir[on_vertical]], r[ir[on_vertical] + 1]
    lo[~on_vertical, 0], hi[~on_vertical, 0] = U[iu[~on_vertical]], U[iu[~on_vertical] + 1]
    lo[on_vertical, 0] = hi[on_vertical, 0] = U[np.round(fu[on_vertical]).astype(int).clip(0, len(U) - 1)]
    lo[~on_vertical, 1] = hi[~on_vertical, 1] = r[np.round(fr[~on_vertical]).astype(int).clip(0, len(r) - 1)]
    flo = _reduced(ff, i, which, lo[:, 0], lo[:, 1], m)
    fhi = _reduced(ff, i, which, hi[:, 0], hi[:, 1], m)
    good = np.isfinite(flo) & np.isfinite(fhi) & (np.sign(flo) != np.sign(fhi))
    a, b, fa = lo[good], hi[good], flo[good]
    for _ in range(iters):
        mid = 0.5 * (a + b)
        fm = _reduced(ff, i, which, mid[:, 0], mid[:, 1], m)
        left = np.sign(fm) == np.sign(fa)
        a = np.where(left[:, None], mid, a)
        fa = np.where(left, fm, fa)
        b = np.where(left[:, None], b, mid)
    res = pts.copy()
    res[good] = 0.5 * (a + b)
    return res


# ---------------------------------------------------------------------------------------------
# exports


def _csv_text(ff) -> str:
    from ._io import to_csv

    return to_csv(*ff.to_rows())


def write_field(ff: FlowField, path) -> None:
    """Write the field as .json or .csv (atomically), chosen by the extension."""
    import pathlib

    from ._io import atomic_write, to_json

    ext = pathlib.Path(path).suffix.lower()
    if ext == ".json":
        atomic_write(path, to_json(ff.to_dict()))
    elif ext == ".csv":
        atomic_write(path, _csv_text(ff))
    else:
        raise ValueError(f"data export must end in .json or .csv, got {str(path)!r}")


def read_field(path) -> dict:
    """Read back a .json or .csv export as a dict of numpy arrays (CSV: the long-format columns)."""
    import json

    from ._io import read_text_input

    text = read_text_input(path, "field file")  # the bounded reader of every input (size, regular file)
    if str(path).lower().endswith(".json"):
        obj = json.loads(text)
        for key in ("tau", "k_c", "s", "U", "r", "dU", "dr", "ds", "magnitude"):
            obj[key] = np.array(obj[key], dtype=float)
        return obj
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    names = lines[0].split(",")
    data = np.array([[float(x) for x in ln.split(",")] for ln in lines[1:]])
    return {name: data[:, j] for j, name in enumerate(names)}


def cutoff_systems(alpha=0.2, beta=0.3, P=1000, kappa=1000 / 100**1.2, U=0.05, cutoff1=500):
    """System 0 (Λ0 = P) and system 1 (Λ1 = cutoff1) whose couplings lie on the same RG trajectory:
    system 1 starts from the (r, u) the discrete flow of system 0 reaches at k = Λ1."""
    from .flow import flow
    from .model import Model

    m0 = Model(alpha, beta, P, kappa, U)
    t0 = flow(m0, "discrete")
    st = t0.at_mode(cutoff1)
    m1 = Model.from_couplings(alpha, beta, cutoff1, float(st["r"]), float(st["u"]))
    t1 = flow(m1, "discrete")
    return m0, t0, m1, t1
