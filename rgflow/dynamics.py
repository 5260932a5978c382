"""Learning dynamics in time, shell by shell: gradient flow and Langevin dynamics on the action S.

``rgflow.dynamics(model, times)`` calls :func:`dynamics` of this module (parameters, returns, raises
and an example: ``help(rgflow.dynamics.dynamics)``, listed under FUNCTIONS below).

With a_k = 1/λ_k + r, b_k = y_k/λ_k and A = Σ_q Δ_q² (docs/theory.md §1),

    gradient   dΔ_k/dt = −∂S/∂Δ_k = b_k − (a_k + μ(t)) Δ_k,      μ(t) = u A(t)
    langevin   dΔ_k = −∂S/∂Δ_k dt + √2 dW_k                      (temperature 1, stationary law e^{−S})

Δ_k(0) = y_k (f = 0 at initialization) unless given. The modes couple only through the scalar μ.

U = 0 (exact, closed form): Δ_k(t) = m_k + (Δ_k(0) − m_k) e^{−a_k t}, m_k = y_k/(1 + rλ_k); with noise
the variance is Var_k(t) = (1 − e^{−2a_k t})/a_k, so ⟨L⟩/P(t) = Σ_k [⟨Δ_k⟩(t)² + Var_k(t)].

U > 0, integrator ("exponential midpoint"): for a frozen μ the flow of every mode is an exact
relaxation Φ_h(Δ; μ) = m(μ) + (Δ − m(μ)) e^{−(a+μ)h}, m(μ) = b/(a + μ). One step is

    Δ' = Φ_{h/2}(Δ; uA(Δ)),   Δ_{n+1} = Φ_h(Δ; uA(Δ')),

second order in h, exact at u = 0, unconditionally stable in the stiff diagonal part (rates up to
Λ^{1+α}), O(Λ) per step, and it keeps the fixed point Δ* = m(uA(Δ*)) exactly. Steps are uniform in
ln t (``steps_per_decade``) and split so that h·μ ≤ 1/2 (the explicit μ feedback). ``method=
"langevin"`` samples ``chains`` seeded chains with the exact Ornstein–Uhlenbeck step at frozen μ
(weak order 1 in the μ feedback, step capped at h ≤ ``max_step``/(r + μ)); ``"mean-field"`` is the
Hartree moment closure dM = (b − (a+μ)M)dt, dV = (2 − 2(a+μ)V)dt, μ = u Σ(M² + V), whose fixed
point is predict(model, "mean-field").

Shells, energy, front, velocity
-------------------------------
Shells: k ∈ [2^{j/n}, 2^{(j+1)/n}) (n = ``shells`` per octave of k; empty shells dropped), centre
λ_j = exp(mean ln λ_k). Shell error energy E_j(t) = Σ_{k∈j} ⟨Δ_k²⟩(t).
Remaining excess of a shell: φ_j(t) = D_j(t)/D_j(0), D_j = Σ_{k∈j} (⟨Δ_k⟩(t) − ⟨Δ_k⟩(∞))², with
⟨Δ⟩(∞) the fixed point (gradient: root of μ = u Σ b²/(a+μ)²; langevin/mean-field: the mean-field
saddle mean resp. predict "exact" mean). The level-c front is the curve of crossing times
t_c(λ_j): φ_j(t_c) = c (first crossing; at U > 0 φ_j need not be monotone); the front velocity is the log-log speed along it,

    v(λ, t) = d ln λ*/d ln t = Δ ln λ / Δ ln t_c   (adjacent shells, at the geometric midpoints).

U = 0 prediction: φ = e^{−2a_k t} per mode, so t_c = ln(1/c)/(2(1/λ + r)) and v = 1 + rλ for every
level c: in the massless window (rλ ≪ 1) the front moves as λ* ∝ t (v = 1, exponents 0, 0) and the
mass stops it at t ~ 1/r, when all learnable modes (rλ > 1) relax together (v − 1 = rλ, a power law
with A = r, a = 1, b = 0). ``fit`` is the fit of v − 1 over all front points, ``fit["massless"]``
the fit of v itself over the points with rλ < 0.1 (predicted A = 1, a = b = 0). Octave shells blur
v by up to ~10-30% (the modes of a shell do not share one rate); finer shells (``shells`` > 1)
shrink this (``rel_dev_from_u0_prediction``: v against the single-mode formula at the same
shell centres and levels). With the adiabatic ansatz φ ≈ e^{−2(a t + ∫μ)} the quartic turns this
into v ≈ 1 + λ(r + μ(t)): an extra, time-dependent mass (``velocity["v_adiabatic"]``). Fits are
least squares in logs, ln v = ln A + a ln λ + b ln t, with their residuals.
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field

import numpy as np

from .model import Model, check_int, check_model, check_real, gaussian_coefficients
from .results import Result

__all__ = ["dynamics", "Dynamics", "fixed_point", "shell_edges", "fit_front_velocity", "DYNAMICS"]

DYNAMICS = ("gradient", "langevin", "mean-field")  # the dynamics (predict.METHODS are the predictors)
LEVELS = (0.8, 0.5, 0.2, 0.05)
MASSLESS = 0.1  # r·λ below which the U = 0 front moves as λ* ∝ t (v = 1)


def fixed_point(model: Model) -> tuple:
    """Zero-temperature minimizer of S: Δ_k = y_k/(1 + λ_k(r + μ)), μ = u Σ_k Δ_k²
    (:func:`rgflow.exact.saddle` with ``thermal=False``)."""
    from .exact import saddle

    a, b = gaussian_coefficients(model)
    if model.u == 0.0:
        return b / a, 0.0
    mu = saddle(model, thermal=False)
    return b / (a + mu), mu


def shell_edges(cutoff: int, per_octave: int = 1) -> np.ndarray:
    """Integer shell boundaries k_lo ≤ k < k_hi with k ∈ [2^{j/n}, 2^{(j+1)/n}); empty shells dropped."""
    n = check_int("shells", per_octave)
    j_max = math.ceil(n * math.log2(cutoff + 1)) + 1
    edges = np.unique(np.ceil(2.0 ** (np.arange(j_max + 1) / n) - 1e-9).astype(int))
    edges = edges[edges <= cutoff]
    return np.append(edges, cutoff + 1)


#: fewest usable points (v > 0, λ > 0, t > 0) of a fit of ln v = ln A + a ln λ + b ln t
FIT_MIN_POINTS = 4


def fit_front_velocity(lam, t, v) -> dict:
    """Least squares ln v = ln A + a ln λ + b ln t over the points with v, λ, t > 0.

    Returns A, a, b, residual_rms, residual_max (in ln v) and n_points; with fewer than
    ``FIT_MIN_POINTS`` usable points only n_points (there is no fit), and without A when
    A = exp(ln A) is beyond float64. Every number returned is finite.
    """
    lam, t, v = (np.asarray(x, dtype=float) for x in (lam, t, v))
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(v) & np.isfinite(lam) & np.isfinite(t) & (v > 0) & (lam > 0) & (t > 0)
    n = int(ok.sum())
    if n < FIT_MIN_POINTS:
        return {"n_points": n}
    X = np.column_stack([np.ones(n), np.log(lam[ok]), np.log(t[ok])])
    y = np.log(v[ok])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    res = y - X @ coef
    out = {
        "A": float(np.exp(coef[0])) if coef[0] < 709.0 else None,
        "a": float(coef[1]),
        "b": float(coef[2]),
        "residual_rms": float(np.sqrt(np.mean(res**2))),
        "residual_max": float(np.max(np.abs(res))),
        "n_points": n,
    }
    return {key: value for key, value in out.items() if value is not None}


def _fit_undefined(fit, name) -> dict:
    """{name: reason} for a fit of :func:`fit_front_velocity` without a fit or without A ({} when complete)."""
    if "a" not in fit:
        return {name: f"fewer than {FIT_MIN_POINTS} usable front velocity points ({fit['n_points']}): no fit"}
    if "A" not in fit:
        return {f"{name}.A": "A = exp(ln A) is beyond float64"}
    return {}


@dataclass(frozen=True)
class Dynamics(Result):
    """Result of :func:`dynamics`: L(t)/P = Σ_k ⟨Δ_k²⟩(t), shell energies E(λ_j, t), fronts, velocities, fit.

    Attributes
    ----------
    method : str
        'gradient', 'langevin' or 'mean-field'.
    model : Model
        The model.
    t : ndarray
        The output times.
    loss : ndarray
        Σ_k ⟨Δ_k²⟩(t) = ⟨L⟩/P at each time.
    mean, second : ndarray, shape (len(t), Λ)
        ⟨Δ_k⟩(t) and ⟨Δ_k²⟩(t).
    mu : ndarray
        The Hartree mass u⟨A⟩(t), A = Σ_q Δ_q².
    shell_k, shell_lambda : ndarray
        Shell edges (k_lo of each shell, then Λ+1) and shell centres λ_j.
    energy : ndarray, shape (shells, len(t))
        The error energy E_j(t) of each shell.
    front, velocity, fit : dict
        Learning fronts per level, their velocity v = d ln λ*/d ln t and the fit
        ln(v − 1) = ln A + a ln λ + b ln t.
    info : dict
        Run details (e.g. ``loss_stderr`` of the sampler).
    undefined : dict
        {name: reason} for every part of ``fit`` that is absent: ``fit`` / ``fit.massless`` (fewer
        than 4 front velocity points: no fit, only ``n_points``), ``fit.A`` (beyond float64),
        ``fit.rel_dev_from_u0_prediction`` (no velocity point). Every number in the result is finite.

    Examples
    --------
    >>> import rgflow
    >>> run = rgflow.dynamics(rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0), [0.01, 1.0, 10.0])
    >>> run.mean.shape, run.method
    ((3, 100), 'gradient')
    """

    method: str
    model: Model
    t: np.ndarray  # output times
    loss: np.ndarray  # Σ_k ⟨Δ_k²⟩(t) = ⟨L⟩/P
    mean: np.ndarray  # ⟨Δ_k⟩(t), shape (len(t), Λ)
    second: np.ndarray  # ⟨Δ_k²⟩(t)
    mu: np.ndarray  # u⟨A⟩(t)
    shell_k: np.ndarray  # shell edges (k_lo of each shell, then Λ+1)
    shell_lambda: np.ndarray  # shell centres λ_j
    energy: np.ndarray  # E_j(t), shape (shells, len(t))
    front: dict  # level -> {"lambda": [...], "t": [...]}
    velocity: dict  # {"lambda", "t", "v", "level", "v_predicted_u0"}
    fit: dict
    info: dict = field(default_factory=dict)
    undefined: dict = field(default_factory=dict)

    def _data(self) -> dict:
        """method, t, loss, mu, shells {lambda, k_lo, k_hi}, energy [shell][t], front, velocity,
        fit, info (+ loss_stderr for the sampler), undefined."""
        out = {
            "method": self.method,
            "t": self.t,
            "loss": self.loss,
            "mu": self.mu,
            "shells": {"lambda": self.shell_lambda, "k_lo": self.shell_k[:-1], "k_hi": self.shell_k[1:] - 1},
            "energy": self.energy,
            "front": self.front,
            "velocity": self.velocity,
            "fit": self.fit,
            "info": self.info,
        }
        if "loss_stderr" in self.info:
            out["loss_stderr"] = self.info["loss_stderr"]
        out["info"] = {k: v for k, v in self.info.items() if k != "seconds"}  # no timing: same input, same bytes
        out["undefined"] = self.undefined
        return out

    def _columns(self) -> dict:
        """t, loss, mu and one column E_k{lo}-{hi} of shell energies per shell."""
        cols = {"t": self.t, "loss": self.loss, "mu": self.mu}
        for lo, hi, row in zip(self.shell_k[:-1], self.shell_k[1:] - 1, self.energy):
            cols[f"E_k{lo}-{hi}"] = row
        return cols

    def _header(self) -> dict:
        """The fitted A, a, b of v − 1 = A λ^a t^b (those that are defined)."""
        return {"fit": "v-1=A*lambda^a*t^b", **{key: self.fit[key] for key in ("A", "a", "b") if key in self.fit}}


def default_times(model: Model, points: int = 121, t_min=None, t_max=None) -> np.ndarray:
    """Log-spaced times from 0.01/a_max (a_max = Λ^{1+α} + r) to 30/(1 + r) (e^{−60} of the slowest mode)."""
    a, _ = gaussian_coefficients(model)
    lo = 0.01 / float(a.max()) if t_min is None else check_real("t_min", t_min, low=TIME_RANGE[0], high=TIME_RANGE[1])
    hi = 30.0 / float(a.min()) if t_max is None else check_real("t_max", t_max, low=TIME_RANGE[0], high=TIME_RANGE[1])
    if hi <= lo:
        raise ValueError(f"t_max must be > t_min = {lo:g}, got {hi:g}")
    return np.geomspace(lo, hi, check_int("points", points, low=2))


def _grid(times, steps_per_decade):
    """Internal grid: 0, then log-uniform steps down to t_min/100, with every output time on it."""
    t0 = times[0] / 100.0
    n = max(2, int(math.ceil(steps_per_decade * (math.log10(times[-1]) - math.log10(t0)))) + 1)
    grid = np.unique(np.concatenate([[0.0], np.geomspace(t0, times[-1], n), times]))
    return grid, np.searchsorted(grid, times)


MAX_WORK = 1e8  # steps × max(chains × Λ, 8192) of the dynamics (~2 s on one idle core, ~10 s on a loaded one)
CHAINS_MAX = 10_000
SHELLS_MAX = 100  # shells per octave
STEPS_PER_DECADE_MAX = 100_000
TIME_RANGE = (1e-300, 1e300)  # output times (their ratio and the grid's logarithms stay finite)


def _check_work(method, steps, n, size, stiffness, t):
    """ValueError before the sub-steps n of one output interval would take the run past MAX_WORK
    (steps × max(size, 8192)): the stiffness u·A forces steps h ≤ 1/(2uA)."""
    if (steps + n) * max(size, 8192) > MAX_WORK:
        raise ValueError(
            f"dynamics(method={method!r}) needs more than {MAX_WORK:.3g} mode-steps (steps x "
            f"max(chains x cutoff, 8192); the stiffness u*A = {stiffness:.3g} at t = {t:.3g} needs "
            f"steps <= {0.5 / stiffness if stiffness > 0 else math.inf:.3g}): lower U, the largest "
            "time, chains or the cutoff"
        )


def _relax(x, target, rate, h):
    return target + (x - target) * np.exp(-rate * h)


def _run_gradient(a, b, u, x0, grid, record):
    x = x0.copy()
    mu_hist = np.empty(len(grid))
    mu_hist[0] = u * float(x @ x)
    record(0, x, x * x)
    steps = 0
    for i in range(1, len(grid)):
        H = grid[i] - grid[i - 1]
        mu = u * float(x @ x)
        n = max(1, int(math.ceil(min(2.0 * H * mu, 1e18))))  # h·μ ≤ 1/2
        _check_work("gradient", steps, n, x.size, mu, grid[i])
        h = H / n
        for _ in range(n):
            mu = u * float(x @ x)
            xh = _relax(x, b / (a + mu), a + mu, 0.5 * h)
            mh = u * float(xh @ xh)
            x = _relax(x, b / (a + mh), a + mh, h)
        steps += n
        if not np.all(np.isfinite(x)):
            raise FloatingPointError(f"gradient flow produced non-finite values at t = {grid[i]:g}")
        mu_hist[i] = u * float(x @ x)
        record(i, x, x * x)
    return mu_hist, steps


def _run_mean_field(a, b, u, x0, grid, record):
    M, V = x0.copy(), np.zeros_like(x0)
    A = lambda M, V: float(M @ M + V.sum())
    mu_hist = np.empty(len(grid))
    mu_hist[0] = u * A(M, V)
    record(0, M, M * M + V)
    steps = 0
    for i in range(1, len(grid)):
        H = grid[i] - grid[i - 1]
        n = max(1, int(math.ceil(min(2.0 * H * u * A(M, V), 1e18))))
        _check_work("mean-field", steps, n, M.size, u * A(M, V), grid[i])
        h = H / n
        for _ in range(n):
            mu = u * A(M, V)
            c = a + mu
            Mh, Vh = _relax(M, b / c, c, 0.5 * h), _relax(V, 1.0 / c, 2.0 * c, 0.5 * h)
            c = a + u * A(Mh, Vh)
            M, V = _relax(M, b / c, c, h), _relax(V, 1.0 / c, 2.0 * c, h)
        steps += n
        if not (np.all(np.isfinite(M)) and np.all(np.isfinite(V))):
            raise FloatingPointError(f"mean-field dynamics produced non-finite values at t = {grid[i]:g}")
        mu_hist[i] = u * A(M, V)
        record(i, M, M * M + V)
    return mu_hist, steps


def _run_langevin(a, b, u, r, x0, grid, record, *, chains, rng, max_step):
    X = np.tile(x0, (chains, 1))
    mu_hist = np.empty(len(grid))
    A = np.einsum("ck,ck->c", X, X)
    mu_hist[0] = u * A.mean()
    record(0, X.mean(0), (X * X).mean(0), A)
    steps = 0
    for i in range(1, len(grid)):
        H = grid[i] - grid[i - 1]
        mu_max = u * float(A.max())
        n = max(1, int(math.ceil(min(max(2.0 * H * mu_max, H * (r + mu_max) / max_step), 1e18))))
        _check_work("langevin", steps, n, X.size, mu_max, grid[i])
        h = H / n
        ea = np.exp(-a * h)
        for _ in range(n):
            mu = (u * A)[:, None]
            c = a[None, :] + mu
            e = ea[None, :] * np.exp(-mu * h)
            m = b / c
            X = m + (X - m) * e + np.sqrt(-np.expm1(-2.0 * c * h) / c) * rng.standard_normal(X.shape)
            A = np.einsum("ck,ck->c", X, X)
        steps += n
        if not np.all(np.isfinite(X)):
            raise FloatingPointError(f"langevin dynamics produced non-finite values at t = {grid[i]:g}")
        mu_hist[i] = u * A.mean()
        record(i, X.mean(0), (X * X).mean(0), A)
    return mu_hist, steps


def _crossing(t, phi, c):
    """First time with φ ≤ c, interpolated linearly in (ln t, ln φ); NaN if none."""
    below = np.nonzero(phi <= c)[0]
    if len(below) == 0 or below[0] == 0:
        return math.nan
    i = below[0]
    if t[i - 1] <= 0.0:
        return float(t[i])
    l0, l1 = math.log(phi[i - 1]), math.log(max(phi[i], 1e-300))
    w = (math.log(c) - l0) / (l1 - l0)
    return float(math.exp(math.log(t[i - 1]) + w * (math.log(t[i]) - math.log(t[i - 1]))))


def _fronts(grid, D, lam_c, levels, r, mu_grid):
    """Crossing times per level and shell, and the velocity points between adjacent shells."""
    front, pts = {}, {"lambda": [], "t": [], "v": [], "level": [], "v_predicted_u0": [], "v_adiabatic": []}
    D0 = D[:, 0]
    for c in levels:
        tc = np.array([_crossing(grid, D[j] / D0[j], c) if D0[j] > 0 else math.nan for j in range(len(D0))])
        ok = np.isfinite(tc)
        front[str(c)] = {"lambda": lam_c[ok].tolist(), "t": tc[ok].tolist()}
        a_c = 1.0 / lam_c + r  # the single-mode U = 0 crossing time is ln(1/c)/(2a_c)
        for j in range(len(tc) - 1):
            if not (ok[j] and ok[j + 1]) or tc[j] == tc[j + 1]:
                continue
            # ln(tp_{j+1}/tp_j) = ln(a_j/a_{j+1}), as log1p: 0 when r ≫ 1/λ (the U = 0 fronts then
            # coincide, their velocity is undefined: the point is left out, not divided by zero)
            ltp = math.log1p((a_c[j] - a_c[j + 1]) / a_c[j + 1])
            if ltp == 0.0:
                continue
            dl = math.log(lam_c[j + 1] / lam_c[j])
            pts["lambda"].append(math.sqrt(lam_c[j] * lam_c[j + 1]))
            pts["t"].append(math.sqrt(tc[j] * tc[j + 1]))
            pts["v"].append(dl / math.log(tc[j + 1] / tc[j]))
            pts["level"].append(c)
            pts["v_predicted_u0"].append(dl / ltp)
            mu_t = float(np.interp(math.log(pts["t"][-1]), np.log(grid[1:]), mu_grid[1:]))
            pts["v_adiabatic"].append(1.0 + pts["lambda"][-1] * (r + mu_t))
    return front, {k: np.array(v) for k, v in pts.items()}


MAX_GRID = 10**6  # steps of the internal time grid


def _brief(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _floats(value, message) -> np.ndarray:
    """``value`` as a 1-D float array (a scalar as one value); ValueError ``message`` if it is not numbers."""
    if isinstance(value, (str, bytes)):
        raise ValueError(message)
    try:
        with np.errstate(all="ignore"):
            arr = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError, OverflowError):
        raise ValueError(message) from None
    return arr


def dynamics(
    model: Model,
    times=None,
    *,
    method: str = "gradient",
    shells: int = 1,
    seed: int = 0,
    initial=None,
    steps_per_decade: int = 200,
    chains: int = 32,
    max_step: float = 0.05,
    levels=LEVELS,
) -> Dynamics:
    """Learning dynamics dΔ_k/dt = −∂S/∂Δ_k = (y_k − Δ_k)/λ_k − rΔ_k − u(Σ_q Δ_q²)Δ_k from Δ(0) (default y).

    ``gradient``: the zero-temperature gradient flow (at U = 0 the closed form
    Δ_k(t) = m_k + (y_k − m_k)e^{−(1/λ_k + r)t}); ``langevin``: with the noise √2 dW (temperature
    1, seeded chains), which ends at ``predict(model, "exact")``; ``mean-field``: the Hartree
    closure of the moments, which ends at ``predict(model, "mean-field")``.

    Parameters
    ----------
    model : Model
        The model.
    times : array_like, optional
        Increasing output times in [1e-300, 1e300] (default :func:`default_times`); the internal grid,
        ``steps_per_decade`` × (decades spanned + 2) steps, holds at most 10⁶.
    method : {'gradient', 'langevin', 'mean-field'}, optional
        The dynamics (default 'gradient').
    shells : int in [1, 100], optional
        Shells of modes for the energies E(λ_j, t).
    seed : int ≥ 0, optional
        Seed of the sampler (``langevin``).
    initial : array_like, optional
        Δ(0) (default y: the untrained predictor f = 0).
    steps_per_decade, chains, max_step : optional
        Integrator steps per decade of t (4 to 10⁵), sampler chains (2 to 10⁴), largest step. The
        run stops with a ValueError before steps × max(chains × Λ, 8192) would exceed ``MAX_WORK`` = 10⁸.
    levels : sequence of float, optional
        Levels of the learning fronts (default (0.8, 0.5, 0.2, 0.05)).

    Returns
    -------
    Dynamics
        L(t)/P, the shell energies, the fronts, the velocity points and the fit
        ln(v − 1) = ln A + a ln λ + b ln t (``fit``; predicted at U = 0: A = r, a = 1, b = 0).

    Raises
    ------
    ValueError
        On bad input (unknown method, times not increasing and positive, ...), naming the parameter.

    Examples
    --------
    >>> import numpy as np, rgflow
    >>> model = rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0)            # U = 0
    >>> run = rgflow.dynamics(model, [0.01, 0.1, 10.0])
    >>> lam, y, r = model.eigenvalues(), model.target(), model.r
    >>> m = y / (1 + r * lam)                                                  # the closed form
    >>> closed = m + (y - m) * np.exp(-(1 / lam + r) * np.array([[0.01], [0.1], [10.0]]))
    >>> bool(np.allclose(run.loss, (closed**2).sum(axis=1), rtol=1e-9))
    True
    >>> print(run.loss.round(4))                # ends at the GP bias Σ_k m_k²
    [1.9675 0.4657 0.4363]
    """
    check_model(model)
    if model.network:
        raise ValueError("dynamics runs the quartic's action; a network (width given) is not supported")
    if method not in DYNAMICS:
        raise ValueError(f"method must be one of {', '.join(DYNAMICS)}, got {method!r}")
    t_start = _time.perf_counter()
    times_form = (
        f"times must be at least 2 strictly increasing numbers in [{TIME_RANGE[0]:g}, {TIME_RANGE[1]:g}]"
        f"{'' if times is None else f', got {_brief(times)}'}"
    )
    times = default_times(model) if times is None else _floats(times, times_form)
    if (
        times.ndim != 1
        or len(times) < 2
        or not np.all(np.isfinite(times))
        or times[0] < TIME_RANGE[0]
        or times[-1] > TIME_RANGE[1]
        or np.any(np.diff(times) <= 0)
    ):
        raise ValueError(times_form)
    steps_per_decade = check_int("steps_per_decade", steps_per_decade, low=4, high=STEPS_PER_DECADE_MAX)
    chains = check_int("chains", chains, low=2, high=CHAINS_MAX)
    shells = check_int("shells", shells, high=SHELLS_MAX)
    max_step = check_real("max_step", max_step, low=0.0, low_open=True)
    seed = check_int("seed", seed, low=0)
    if isinstance(levels, (str, bytes)) or not hasattr(levels, "__iter__"):
        raise ValueError(f"levels must be a sequence of numbers in (0, 1), got {_brief(levels)}")
    levels = tuple(check_real("levels", c, low=0.0, high=1.0, low_open=True, high_open=True) for c in levels)
    if not levels:
        raise ValueError("levels must hold at least one number in (0, 1)")
    grid_steps = steps_per_decade * (math.log10(times[-1]) - math.log10(times[0]) + 2)
    if grid_steps > MAX_GRID:
        raise ValueError(
            f"times span {math.log10(times[-1] / times[0]):.3g} decades: with steps_per_decade = "
            f"{steps_per_decade} the grid would hold {grid_steps:.3g} > {MAX_GRID:.0e} steps; "
            "narrow times or lower steps_per_decade"
        )
    lam, (a, b) = model.eigenvalues(), gaussian_coefficients(model)
    u, r = model.u, model.r
    if initial is None:
        x0 = model.target()
    else:
        x0 = _floats(initial, f"initial must be {model.cutoff} finite numbers (one per mode), got {_brief(initial)}")
    if x0.shape != (model.cutoff,) or not np.all(np.isfinite(x0)):
        raise ValueError(f"initial must be {model.cutoff} finite values (one per mode), got shape {x0.shape}")

    edges = shell_edges(model.cutoff, shells)
    idx = np.repeat(np.arange(len(edges) - 1), np.diff(edges))  # shell of mode k = 1..Λ
    lam_c = np.exp(np.bincount(idx, np.log(lam)) / np.bincount(idx))

    # the long-time mean, reference of the fronts
    if method == "gradient":
        mean_inf, mu_inf = fixed_point(model)
    elif method == "mean-field":
        from .exact import saddle

        mu_inf = saddle(model)
        mean_inf = b / (a + mu_inf)
    else:
        from .exact import exact_moments, saddle

        mu_inf = saddle(model)
        mean_inf = exact_moments(model)["mean"]

    grid, out_idx = _grid(times, steps_per_decade)
    D = np.empty((len(edges) - 1, len(grid)))
    mean_out = np.empty((len(times), model.cutoff))
    second_out = np.empty((len(times), model.cutoff))
    A_chain = []
    pos = {int(i): n for n, i in enumerate(out_idx)}

    def record(i, m, s, A=None):
        D[:, i] = np.bincount(idx, (m - mean_inf) ** 2, minlength=D.shape[0])
        if i in pos:
            mean_out[pos[i]], second_out[pos[i]] = m, s
            if A is not None:
                A_chain.append(A.copy())

    info = {}
    if u == 0.0 and method in ("gradient", "langevin", "mean-field"):
        # closed form: Δ(t) = m + (Δ(0) − m) e^{−a t};  Var(t) = (1 − e^{−2at})/a at temperature 1
        m = b / a
        for i, t in enumerate(grid):
            mt = m + (x0 - m) * np.exp(-a * t)
            var = 0.0 if method == "gradient" else -np.expm1(-2.0 * a * t) / a
            record(i, mt, mt * mt + var)
        mu_hist, steps = np.zeros(len(grid)), 0
        info["scheme"] = "closed form (U = 0)"
    elif method == "gradient":
        mu_hist, steps = _run_gradient(a, b, u, x0, grid, record)
        info["scheme"] = "exponential midpoint"
    elif method == "mean-field":
        mu_hist, steps = _run_mean_field(a, b, u, x0, grid, record)
        info["scheme"] = "exponential midpoint (Hartree moment closure)"
    else:
        rng = np.random.default_rng(seed)
        mu_hist, steps = _run_langevin(a, b, u, r, x0, grid, record, chains=chains, rng=rng, max_step=max_step)
        A = np.array(A_chain)  # (times, chains)
        info["scheme"] = "exact OU step at frozen μ (sampler)"
        info["loss_stderr"] = A.std(axis=1, ddof=1) / math.sqrt(chains)
        info["chains"], info["seed"] = chains, seed

    loss = second_out.sum(axis=1)
    energy = np.stack([np.bincount(idx, s, minlength=len(edges) - 1) for s in second_out], axis=1)
    if method == "langevin" and u > 0.0:
        # the chain mean carries sampler noise of order √(Var/chains), far above the small excess of
        # the UV shells: fronts are not defined from it (use "gradient" or "mean-field")
        front, vel = {}, {key: np.array([]) for key in ("lambda", "t", "v", "level", "v_predicted_u0", "v_adiabatic")}
        info["front_note"] = "fronts not computed from a noisy sampler mean; use method 'gradient' or 'mean-field'"
    else:
        front, vel = _fronts(grid, D, lam_c, levels, r, mu_hist)
    fit = fit_front_velocity(vel["lambda"], vel["t"], vel["v"] - 1.0)
    massless = r * vel["lambda"] < MASSLESS
    fit_v = fit_front_velocity(vel["lambda"][massless], vel["t"][massless], vel["v"][massless])
    undefined = {**_fit_undefined(fit, "fit"), **_fit_undefined(fit_v, "fit.massless")}
    fit_v.update({"quantity": "v", "window": f"r*lambda < {MASSLESS}", "predicted_u0": {"A": 1.0, "a": 0.0, "b": 0.0}})
    fit.update(
        {
            "quantity": "v - 1",
            "predicted_u0": {"A": r, "a": 1.0, "b": 0.0},
            "massless": fit_v,
            "v_definition": "d ln λ*/d ln t along the fronts φ_j(t) = c",
        }
    )
    if len(vel["v"]):
        fit["rel_dev_from_u0_prediction"] = float(np.max(np.abs(vel["v"] / vel["v_predicted_u0"] - 1.0)))
    else:
        undefined["fit.rel_dev_from_u0_prediction"] = "no front velocity point"
    info.update(
        {
            "steps": int(steps),
            "grid_points": len(grid),
            "mu_inf": float(mu_inf),
            "levels": list(levels),
            "seconds": round(_time.perf_counter() - t_start, 4),
        }
    )
    return Dynamics(
        method,
        model,
        times,
        loss,
        mean_out,
        second_out,
        mu_hist[out_idx],
        edges,
        lam_c,
        energy,
        front,
        vel,
        fit,
        info,
        undefined,
    )
