"""Fit a measured learning curve E(P) and extrapolate it, with the renormalized theory (docs/theory.md §5).

The model of a test-error curve (eigenlearning with label noise). With modes (λ_k, y_k) counted with
multiplicities w_k (1 for the modes of a spectrum; quadrature weights for the tail of a power law), the
effective ridge K solves K = κ/P + (K/P) Σ_k w_k λ_k/(λ_k + K); with L_k = λ_k/(λ_k + K),
γ = Σ_k w_k L_k²/P, the target power ε² outside the modes and label noise of variance σ² on the training
labels, the expected test error against the clean target is

    E(P) = [Σ_k w_k (1 − L_k)² y_k² + ε² + σ² γ] / (1 − γ)

(the eigenlearning error with noisy labels, Σ(1 − L)²y² + σ² over 1 − γ, less the σ² of a noisy test label).

Two modes of :func:`fit_curve`:

* ``spectrum`` given (λ_k, y_k known, e.g. measured on the data set by :mod:`rgflow.data`): only the
  effective ridge ``kappa_eff`` and ``sigma2`` are fitted, so the exponents of the curve are predictions.
  The spectrum's measured exponent drift (:func:`rgflow.data.exponent_drift`) enters the band: the modes
  k > k* are tilted, λ_k → λ_k (k/k*)^∓δα and y_k² → y_k² (k/k*)^∓δβ, with δα, δβ the spread of the
  sliding-window exponents there and k* the larger of the modes learned (L_k ≥ ½) at the largest fitted P
  and half the measured modes (the upper half of a spectrum measured on N points is the least reliable
  part); the largest change of the prediction is added in quadrature to the statistical half-width (in ln E).
* no spectrum: the power law λ_k = k^-(1+α), y_k² = B k^-(1+β), k = 1..Λ (``cutoff``, default 10⁶; the
  modes beyond 256 summed by Gauss–Legendre quadrature in ln k), fitting ``alpha``, ``beta``, ``kappa``
  (in units of λ_1 = 1), ``B`` and ``sigma2``. With a fixed quartic ``U`` > 0 or a fixed network ``width``
  (``depth``, ``parameterization``) the curve is the matching prediction of the Model on the renormalized ridge
  (``rgflow.predict(model, "rg")`` or ``"exact"``; the network without ``sigma2``), from the U = 0 fit and three grid starts,
  with the delta method's interval. The width itself is not fitted: on test curves (7 P from 10 to 640, three
  seeds scattered by 0.5%) fits at fixed widths reach the same residuals whatever the true width (a width-5
  network's curve: χ² 0.6-4.2 over 7 points for widths 2-50, the smallest at 50; a width-50 network's: 0.4-3.4
  for widths 2-20 with α = 1.2-1.7, 5.4 at the true 50 with α = 0.52), so ln N is not identifiable from such a
  curve: the width trades off against α and κ. For the same reason the delta method's intervals of the
  power-law fits are optimistic on scattered curves (12 realizations of the width-5 curve: α, β, κ within 3
  standard errors in 9 of 12, B in 8; the 90% band at P = 2560 held the network's value in 8 of 12; the U = 0 fit
  of a U = 0 curve: α in 8 of 12, its band in 12 of 12): the intervals are local and the valleys long. On exact
  curves the parameters are recovered (tests/test_fit.py).

The loss is robust: residuals r_i = (ln E_model(P_i) − ln Ē_i)/s_i (Ē_i the mean over seeds at P_i, s_i
its standard error in ln when seeds are given, else 1) under scipy's ``soft_l1`` with the scale of a first
least-squares pass (1.4826 × the median absolute residual). Intervals: with ≥ 3 seeds, a bootstrap over
seeds (whole curves resampled, refitted; the band is ± t_{n−1} × the bootstrap's standard deviation of
ln E × √(n/(n − 1)) for n seeds, a Student-t interval for the few seeds, or the delta method's band where
that is wider: the bootstrap sees the scatter of the seeds, the delta method's ŝ also the model's misfit); otherwise the delta method on the quadratic approximation of the
likelihood (covariance ŝ²(JᵀJ)⁻¹, ŝ² = Σ r²/(n − p), Student-t quantile with n − p degrees of freedom).
The prediction band is central, ``level`` = 90% by default.

Baselines (:func:`fit_baseline`): ``power_law_constant`` E = a P^-b + c fitted by least squares on E, and
``chinchilla`` E = e^e + e^a P^-b (log E = LSE(a − b ln P, e)) fitted by the Huber loss (δ = 10⁻³) on
ln E from a grid of starts, as in Hoffmann et al. (2022).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._checks import check_int, check_real
from .results import Result

__all__ = [
    "FitResult",
    "fit_curve",
    "fit_baseline",
    "read_curve",
    "noisy_test_error",
    "power_law_modes",
    "BASELINES",
    "DEFAULT_CUTOFF",
]

BASELINES = ("power_law_constant", "chinchilla")
DEFAULT_CUTOFF = 10**6
_EXACT = 256


# ------------------------------------------------------------------------------------------- the model


def power_law_modes(alpha, beta, cutoff=DEFAULT_CUTOFF, B=1.0, exact=_EXACT, panels_per_decade=12):
    """(λ, y², w): the modes k = 1..min(Λ, ``exact``) of λ_k = k^-(1+α), y_k² = B k^-(1+β) with weight 1 and,
    for Λ > ``exact``, the rest Σ_{k=exact+1}^{Λ} g(k) ≈ ∫_{exact+½}^{Λ+½} g(k) dk by 4-point Gauss–Legendre
    panels in ln k (``panels_per_decade``) — the midpoint rule of the sum, accurate for the smooth tail."""
    cutoff = int(cutoff)
    n = min(cutoff, exact)
    k = np.arange(1, n + 1, dtype=float)
    w = np.ones(n)
    if cutoff > exact:
        a, b = math.log(exact + 0.5), math.log(cutoff + 0.5)
        m = max(1, int(math.ceil(panels_per_decade * (b - a) / math.log(10))))
        x, wx = np.polynomial.legendre.leggauss(4)
        edges = np.linspace(a, b, m + 1)
        mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
        u = (mid[:, None] + half[:, None] * x[None, :]).ravel()
        wu = (half[:, None] * wx[None, :]).ravel()
        k = np.concatenate([k, np.exp(u)])
        w = np.concatenate([w, wu * np.exp(u)])
    return k ** -(1.0 + alpha), B * k ** -(1.0 + beta), w


def _solve_K(lam, w, P, kappa):
    """K for every P (array) by Newton's method on the convex φ(D) = D − (1/P) Σ w λ K/(λ + K), K = κ/P + D,
    from D = Σ wλ/P (where φ ≥ 0): the iterates fall monotonically to the root."""
    k0 = kappa / P
    D = np.full(P.shape, float(np.sum(w * lam))) / P
    for _ in range(200):
        K = k0 + D
        q = lam[None, :] / (lam[None, :] + K[:, None])
        phi = D - (K * np.sum(w * q, axis=1)) / P
        dphi = 1.0 - np.sum(w * q * q, axis=1) / P
        step = phi / dphi
        D = np.maximum(D - step, 0.5 * D)
        if np.all(np.abs(step) <= 1e-13 * D):
            break
    K = k0 + D
    if not np.all(np.isfinite(K) & (K > 0)):
        raise FloatingPointError(f"effective ridge not found (kappa = {kappa!r})")
    return K


def noisy_test_error(lam, y2, w, P, kappa, sigma2=0.0, residual=0.0) -> np.ndarray:
    """E(P) = [Σ_k w_k (1 − L_k)² y_k² + ε² + σ² γ]/(1 − γ) at each P (array), with the effective ridge of
    eigenlearning on the weighted modes (module docstring). ``y2`` are the y_k², ``residual`` is ε².
    Raises FloatingPointError if 1 − γ ≤ 0 or the result is not finite."""
    P = np.atleast_1d(np.asarray(P, dtype=float))
    K = _solve_K(lam, w, P, kappa)
    om = K[:, None] / (lam[None, :] + K[:, None])  # 1 − L_k
    bias = np.sum(w * om * om * y2, axis=1)
    gamma = np.sum(w * (1 - om) ** 2, axis=1) / P
    one_minus = (P - np.sum(w) + np.sum(w * om * (2.0 - om), axis=1)) / P
    if not np.all(one_minus > 0):
        raise FloatingPointError(f"1 − γ ≤ 0 at kappa = {kappa!r} (at the interpolation threshold)")
    from .ridge import noisy_error  # the one place of the formula

    E = noisy_error(bias, gamma, one_minus, sigma2, residual)
    if not np.all(np.isfinite(E)):
        raise FloatingPointError(f"non-finite test error at kappa = {kappa!r}")
    return E


# ------------------------------------------------------------------------------------------- input


def read_curve(path) -> dict:
    """A measured learning curve from a CSV file: columns ``P,test_error`` and optionally ``seed`` (one row per
    measurement), ``#`` comment lines and blank lines skipped, an optional header row naming the columns (in
    any order). Returns {"P", "test_error", "seed" (None without the column)} as arrays. ValueError (naming
    the file, the line and the column) unless every P is an integer ≥ 1, every test_error finite and > 0
    and every seed an integer."""
    from ._io import read_text_input

    text = read_text_input(path, "curve file")
    names: list[str] | None = None
    rows: list[dict] = []
    for no, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        cells = [c.strip() for c in s.split(",")]
        if names is None and not rows and not _numeric(cells[0]):
            names = [c.lower() for c in cells]
            bad = [c for c in names if c not in ("p", "test_error", "seed")]
            if bad or "p" not in names or "test_error" not in names or len(set(names)) != len(names):
                raise ValueError(
                    f"curve file {path}: the header must name the columns P,test_error and optionally "
                    f"seed, got {s[:80]!r}"
                )
            continue
        if names is None:
            if len(cells) not in (2, 3):
                raise ValueError(
                    f"curve file {path}: line {no} has {len(cells)} columns; expected P,test_error or P,test_error,seed"
                )
            names = ["p", "test_error", "seed"][: len(cells)]
        if len(cells) != len(names):
            raise ValueError(f"curve file {path}: line {no} has {len(cells)} columns, expected {len(names)}")
        row = {}
        for name, c in zip(names, cells):
            try:
                v = float(c)
            except ValueError:
                v = math.nan
            label = "P" if name == "p" else name
            if not math.isfinite(v):
                raise ValueError(f"curve file {path}: line {no}: {label} must be a finite number, got {c[:40]!r}")
            if name in ("p", "seed") and not v.is_integer():
                raise ValueError(f"curve file {path}: line {no}: {label} must be an integer, got {c[:40]!r}")
            if name == "p" and v < 1:
                raise ValueError(f"curve file {path}: line {no}: P must be an integer >= 1, got {c[:40]!r}")
            if name == "test_error" and not v > 0:
                raise ValueError(
                    f"curve file {path}: line {no}: test_error must be > 0 (the fit is in ln E), got {c[:40]!r}"
                )
            row[name] = v
        rows.append(row)
    if not rows:
        raise ValueError(f"curve file {path}: holds no rows of P,test_error")
    return {
        "P": np.array([r["p"] for r in rows]),
        "test_error": np.array([r["test_error"] for r in rows]),
        "seed": np.array([int(r["seed"]) for r in rows]) if names is not None and "seed" in names else None,
    }


def _numeric(cell):
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _check_curve(P, E, seed):
    try:
        P = np.asarray(P, dtype=float).ravel()
        E = np.asarray(E, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError("P and test_error must be 1-D arrays of numbers") from None
    if P.size != E.size or P.size == 0:
        raise ValueError(f"P and test_error must have the same nonzero length, got {P.size} and {E.size}")
    if not np.all(np.isfinite(P) & (P >= 1)):
        raise ValueError("P must hold finite sample sizes >= 1")
    if not np.all(np.isfinite(E) & (E > 0)):
        raise ValueError("test_error must hold finite values > 0 (the fit is in ln E)")
    if seed is not None:
        seed = np.asarray(seed).ravel()
        if seed.size != P.size:
            raise ValueError(f"seed must have one entry per row ({P.size}), got {seed.size}")
    return P, E, seed


def _means(P, E, seed, pick=None):
    """Distinct P, mean E and the standard error of ln(mean) (NaN for one value) at each."""
    Ps = np.unique(P)
    mean, se = np.empty(len(Ps)), np.empty(len(Ps))
    for i, p in enumerate(Ps):
        e = E[P == p] if pick is None else np.concatenate([E[(P == p) & (seed == s)] for s in pick])
        if e.size == 0:
            mean[i] = se[i] = np.nan
            continue
        mean[i] = e.mean()
        se[i] = e.std(ddof=1) / math.sqrt(e.size) / mean[i] if e.size > 1 else np.nan
    ok = np.isfinite(mean)
    return Ps[ok], mean[ok], se[ok]


# ------------------------------------------------------------------------------------------- families


@dataclass
class _Family:
    names: tuple  # internal parameter names
    x0s: list  # starting points
    lower: np.ndarray
    upper: np.ndarray
    predict: object  # predict(theta, P) -> E
    report: object  # report(theta, cov) -> (fitted, stderr)
    log_resid: bool = True
    loss: str = "soft_l1"
    diff_step: float | None = None  # least_squares' relative finite-difference step (None: its default)


def _spectrum_family(lam, y2, w, residual, kappa):
    scale = float(np.sum(w * y2)) + residual

    def predict(th, P):
        return noisy_test_error(lam, y2, w, P, math.exp(th[0]), th[1] * scale, residual)

    def report(th, cov):
        k = math.exp(th[0])
        return (
            {"kappa_eff": k, "sigma2": float(th[1] * scale)},
            {
                "kappa_eff": float(k * math.sqrt(max(cov[0, 0], 0.0))),
                "sigma2": float(scale * math.sqrt(max(cov[1, 1], 0.0))),
            },
        )

    tot = float(np.sum(w * lam))
    grid = [math.log(kappa)] if kappa is not None else []
    grid += list(np.log(tot * np.geomspace(1e-6, 1e3, 19)))
    x0s = [[g, s] for g in grid for s in (0.0, 0.1)]
    return _Family(
        ("ln_kappa_eff", "sigma2_rel"), x0s, np.array([-np.inf, 0.0]), np.array([np.inf, np.inf]), predict, report
    )


def _power_law_family(cutoff, kappa):
    def modes(th):
        return power_law_modes(th[0], th[1], cutoff, math.exp(th[3]))

    def predict(th, P):
        lam, y2, w = modes(th)
        return noisy_test_error(lam, y2, w, P, math.exp(th[2]), th[4])

    def report(th, cov):
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        k, B = math.exp(th[2]), math.exp(th[3])
        return (
            {"alpha": float(th[0]), "beta": float(th[1]), "kappa": k, "B": B, "sigma2": float(th[4])},
            {
                "alpha": float(se[0]),
                "beta": float(se[1]),
                "kappa": float(k * se[2]),
                "B": float(B * se[3]),
                "sigma2": float(se[4]),
            },
        )

    ks = [math.log(kappa)] if kappa is not None else list(np.log(np.geomspace(1e-4, 10, 6)))
    x0s = [[a, b, k, 0.0, 0.0] for a in (0.2, 0.6, 1.5) for b in (0.2, 0.6, 1.5) for k in ks]
    return _Family(
        ("alpha", "beta", "ln_kappa", "ln_B", "sigma2"),
        x0s,
        np.array([0.02, 0.02, -40.0, -40.0, 0.0]),
        np.array([8.0, 8.0, 40.0, 40.0, np.inf]),
        predict,
        report,
    )


def _coupled_family(cutoff, kappa, U, network):
    """The power law with a fixed quartic ``U`` > 0 (``rgflow.predict(..., "rg")``) or a fixed network ``network`` =
    {width, depth, parameterization} (``rgflow.predict(..., "exact")``), on the renormalized ridge: E(P) is the
    Prediction's test_error of ``Model.from_spectrum(PowerLaw(alpha, beta, B=B), P, kappa, U, cutoff,
    "renormalized", noise=sigma2, **network)`` (network: no sigma2, label noise is refused there). At U = 0 and
    N → ∞ both are :func:`_power_law_family`'s E(P). A non-integer P is interpolated linearly in ln P, ln E
    between its neighbours (the Model's P is an integer)."""
    from .model import Model
    from .predict import predict as _predict
    from .spectrum import PowerLaw

    net = network or {}
    method = "exact" if network else "rg"
    names = ("alpha", "beta", "ln_kappa", "ln_B") + (() if network else ("sigma2",))

    def at(th, P):
        try:  # a trial point the model refuses (overflowing r = P/κ, no convergence) is a bad point, not an error
            m = Model.from_spectrum(
                PowerLaw(th[0], th[1], B=math.exp(th[3])),
                int(P),
                math.exp(th[2]),
                U,
                cutoff,
                "renormalized",
                noise=0.0 if network else th[4],
                **net,
            )
            e = _predict(m, method).test_error
        except (ValueError, ArithmeticError, RuntimeError) as exc:
            raise FloatingPointError(f"the {method} prediction failed at P = {P}: {exc}") from None
        if not (math.isfinite(e) and e > 0):
            raise FloatingPointError(f"non-finite test error of the {method} prediction at P = {P}")
        return e

    def predict(th, P):
        out = []
        for p in np.atleast_1d(np.asarray(P, dtype=float)):
            lo, hi = math.floor(p), math.ceil(p)
            if lo == hi:
                out.append(at(th, lo))
                continue
            x = (math.log(p) - math.log(lo)) / (math.log(hi) - math.log(lo))
            out.append(math.exp((1 - x) * math.log(at(th, lo)) + x * math.log(at(th, hi))))
        return np.array(out)

    def report(th, cov):
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        k, B = math.exp(th[2]), math.exp(th[3])
        fitted = {"alpha": float(th[0]), "beta": float(th[1]), "kappa": k, "B": B}
        stderr = {"alpha": float(se[0]), "beta": float(se[1]), "kappa": float(k * se[2]), "B": float(B * se[3])}
        if not network:
            fitted["sigma2"], stderr["sigma2"] = float(th[4]), float(se[4])
        return fitted, stderr

    n = len(names)
    return _Family(
        names,
        [],  # the start is the U = 0 fit (fit_curve)
        np.array([0.02, 0.02, -40.0, -40.0, 0.0][:n]),
        np.array([8.0, 8.0, 40.0, 40.0, np.inf][:n]),
        predict,
        report,
        diff_step=1e-6,
    )


def _baseline_family(form):
    if form == "power_law_constant":

        def predict(th, P):
            return th[0] * np.asarray(P, float) ** -th[1] + th[2]

        def report(th, cov):
            se = np.sqrt(np.clip(np.diag(cov), 0, None))
            return dict(zip(("a", "b", "c"), map(float, th))), dict(zip(("a", "b", "c"), map(float, se)))

        return _Family(
            ("a", "b", "c"),
            [],
            np.array([0.0, 0.0, 0.0]),
            np.array([np.inf, 10.0, np.inf]),
            predict,
            report,
            log_resid=False,
            loss="linear",
        )

    def predict(th, P):
        return np.exp(th[2]) + np.exp(th[0] - th[1] * np.log(np.asarray(P, float)))

    def report(th, cov):
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        return (
            {"A": math.exp(th[0]), "b": float(th[1]), "E0": math.exp(th[2])},
            {"A": float(math.exp(th[0]) * se[0]), "b": float(se[1]), "E0": float(math.exp(th[2]) * se[2])},
        )

    x0s = [
        [a, b, e]
        for a in (0.0, 2.5, 5.0, 10.0)
        for b in (0.0, 0.25, 0.5, 1.0, 2.0)
        for e in (-6.0, -3.0, -1.0, 0.0, 1.0)
    ]
    return _Family(
        ("ln_A", "b", "ln_E0"),
        x0s,
        np.array([-50.0, 0.0, -50.0]),
        np.array([50.0, 10.0, 50.0]),
        predict,
        report,
        loss="huber",
    )


# ------------------------------------------------------------------------------------------- fitting


def _residuals(fam, th, P, E, s):
    try:
        model = fam.predict(th, P)
    except FloatingPointError:
        return np.full(P.size, 1e3)
    if fam.log_resid:
        if not np.all(model > 0):
            return np.full(P.size, 1e3)
        return (np.log(model) - np.log(E)) / s
    return (model - E) / s


def _least_squares(fam, P, E, s, x0s, f_scale):
    from scipy.optimize import least_squares

    best = None
    for x0 in x0s:
        x0 = np.clip(
            np.asarray(x0, float), fam.lower + 1e-9, np.where(np.isfinite(fam.upper), fam.upper - 1e-9, np.inf)
        )
        try:
            res = least_squares(
                lambda th: _residuals(fam, th, P, E, s),
                x0,
                bounds=(fam.lower, fam.upper),
                loss=fam.loss if f_scale else "linear",
                f_scale=f_scale or 1.0,
                x_scale="jac",
                max_nfev=400,
                diff_step=fam.diff_step,
            )
        except (ValueError, FloatingPointError):
            continue
        if best is None or res.cost < best.cost:
            best = res
    if best is None:
        raise FloatingPointError("the fit failed from every starting point")
    return best


def _screen(fam, P, E, s, keep=3):
    """The ``keep`` best starting points by the sum of squared residuals."""
    costs = [float(np.sum(_residuals(fam, np.asarray(x, float), P, E, s) ** 2)) for x in fam.x0s]
    order = np.argsort(costs)[:keep]
    return [fam.x0s[i] for i in order]


def _jacobian(fam, th, P, E, s):
    J = np.empty((P.size, th.size))
    for j in range(th.size):
        h = 1e-5 * max(1.0, abs(th[j]))
        up, dn = th.copy(), th.copy()
        up[j] += h
        dn[j] -= h
        if np.isfinite(fam.lower[j]) and dn[j] < fam.lower[j]:
            dn[j] = th[j]
            J[:, j] = (_residuals(fam, up, P, E, s) - _residuals(fam, dn, P, E, s)) / h
        else:
            J[:, j] = (_residuals(fam, up, P, E, s) - _residuals(fam, dn, P, E, s)) / (2 * h)
    return J


def _grad_lnpred(fam, th, Pstar):
    g = np.empty((len(Pstar), th.size))
    base = np.log(fam.predict(th, Pstar))
    for j in range(th.size):
        h = 1e-5 * max(1.0, abs(th[j]))
        up, dn = th.copy(), th.copy()
        up[j] += h
        dn[j] -= h
        if np.isfinite(fam.lower[j]) and dn[j] < fam.lower[j]:
            g[:, j] = (np.log(fam.predict(up, Pstar)) - base) / h
        else:
            g[:, j] = (np.log(fam.predict(up, Pstar)) - np.log(fam.predict(dn, Pstar))) / (2 * h)
    return base, g


@dataclass(frozen=True)
class FitResult(Result):
    """Result of :func:`fit_curve` or :func:`fit_baseline`.

    Attributes
    ----------
    form : str
        The model fitted: "rgflow-spectrum", "rgflow-power-law", "power_law_constant" or "chinchilla".
    fitted, stderr : dict
        Parameter name → value and its standard error.
    prediction : list of dict
        One ``{"P", "value", "lower", "upper"}`` per requested P: the fitted curve and its central band.
    interval : str
        How the band was made ("bootstrap over seeds" or "delta method").
    derived : dict
        Quantities the fit implies (local slopes at the predicted P; the exponents; the drift's part of the band).
    residual_scale : float
        ŝ, the RMS residual (in ln E, per unit s_i) of the fit.
    n_points : int
        Distinct P values fitted.
    params : dict
        The input settings.

    Examples
    --------
    >>> import numpy as np
    >>> from rgflow.fit import fit_curve, noisy_test_error, power_law_modes
    >>> P = np.array([20, 40, 80, 160, 320, 640])
    >>> E = noisy_test_error(*power_law_modes(0.5, 0.8, 10**5, 2.0), P, 0.1, 0.05)
    >>> res = fit_curve(P, E, cutoff=10**5, predict_P=[2560])
    >>> print({k: round(v, 3) for k, v in res.fitted.items()})
    {'alpha': 0.5, 'beta': 0.8, 'kappa': 0.1, 'B': 2.0, 'sigma2': 0.05}
    """

    form: str
    fitted: dict
    stderr: dict
    prediction: list
    interval: str
    derived: dict
    residual_scale: float
    n_points: int
    params: dict = field(default_factory=dict)

    def _method(self) -> str:
        return self.form

    def _data(self) -> dict:
        return {
            "model": self.form,
            "fitted": self.fitted,
            "stderr": self.stderr,
            "prediction": self.prediction,
            "interval": self.interval,
            "level": self.params.get("level"),
            "derived": self.derived,
            "residual_scale": self.residual_scale,
            "n_points": self.n_points,
        }

    def _columns(self) -> dict:
        keys = ("P", "value", "lower", "upper")
        return {k: [row[k] for row in self.prediction] for k in keys}

    def _header(self) -> dict:
        out = {f"fitted.{k}": v for k, v in self.fitted.items()}
        out.update({f"stderr.{k}": v for k, v in self.stderr.items()})
        return out


def _check_predict(predict_P):
    if predict_P is None:
        return np.array([], float)
    items = np.atleast_1d(np.asarray(predict_P, dtype=object)).tolist()
    return np.array([check_real("predict_P", p, low=1.0) for p in items], float)


def _run(fam, P, E, seed, predict_P, level, bootstrap, rng_seed, n_min, extra_band=None, starts=None):
    """The robust fit, its covariance or bootstrap, and the band; returns the pieces of a FitResult. ``starts``:
    the starting points of the first pass (default: the family's screened grid, or a baseline's own start)."""
    from scipy.stats import t as student

    Pm, Em, se = _means(P, E, seed)
    if Pm.size < n_min:
        raise ValueError(
            f"the curve must hold at least {n_min} distinct P values for this model "
            f"({len(fam.names)} parameters), got {Pm.size}"
        )
    seeds = np.unique(seed) if seed is not None else np.array([])
    use_se = seed is not None and np.all(np.isfinite(se))
    s = np.maximum(se, 1e-3) if use_se else np.ones(Pm.size)
    if not fam.log_resid:
        s = s * Em
    if starts is None:
        starts = _screen(fam, Pm, Em, s) if fam.x0s else [_plc_start(Pm, Em)]
    first = _least_squares(fam, Pm, Em, s, starts, None)
    r0 = first.fun
    f_scale = max(1.4826 * float(np.median(np.abs(r0))), 1e-4) if fam.loss != "huber" else 1e-3
    res = _least_squares(fam, Pm, Em, s, [first.x], f_scale) if fam.loss != "linear" else first
    th = res.x
    r = _residuals(fam, th, Pm, Em, s)
    n, p = Pm.size, th.size
    dof = n - p
    s2 = float(np.sum(r * r) / dof) if dof > 0 else math.inf
    J = _jacobian(fam, th, Pm, Em, s)
    cov = s2 * np.linalg.pinv(J.T @ J) if math.isfinite(s2) else np.full((p, p), math.inf)
    fitted, stderr = fam.report(th, cov)
    base, g = _grad_lnpred(fam, th, predict_P) if predict_P.size else (np.array([]), np.zeros((0, p)))
    q = student.ppf(0.5 + level / 2, dof) if dof > 0 else math.inf
    interval = "delta method"
    if seed is not None and seeds.size >= 3 and bootstrap:
        rng = np.random.default_rng(rng_seed)
        preds, pars = [], []
        for _ in range(bootstrap):
            pick = rng.choice(seeds, seeds.size, replace=True)
            Pb, Eb, seb = _means(P, E, seed, pick)
            if Pb.size < n_min:
                continue
            sb = np.maximum(np.where(np.isfinite(seb), seb, np.nanmax(seb)), 1e-3) if use_se else np.ones(Pb.size)
            if not fam.log_resid:
                sb = sb * Eb
            try:
                rb = _least_squares(fam, Pb, Eb, sb, [th], f_scale if fam.loss != "linear" else None)
            except FloatingPointError:
                continue
            pars.append(fam.report(rb.x, np.zeros((p, p)))[0])
            if predict_P.size:
                preds.append(np.log(fam.predict(rb.x, predict_P)))
        if len(pars) >= 10:
            interval = f"bootstrap over seeds ({len(pars)} resamples)"
            stderr = {k: float(np.std([d[k] for d in pars], ddof=1)) for k in fitted}
            if predict_P.size:  # the bootstrap's spread of ln E, widened for the few seeds (Student t)
                ns = seeds.size
                sd = np.std(np.array(preds), axis=0, ddof=1) * math.sqrt(ns / (ns - 1))
                half_lo = half_hi = student.ppf(0.5 + level / 2, ns - 1) * sd
    half = q * np.sqrt(np.clip(np.einsum("ij,jk,ik->i", g, cov, g), 0, None)) if predict_P.size else np.array([])
    if interval == "delta method":
        half_lo = half_hi = half
    elif predict_P.size:  # the bootstrap sees the seeds' scatter only; the delta method's ŝ also the misfit
        half_lo, half_hi = np.maximum(half_lo, half), np.maximum(half_hi, half)
    if extra_band is not None and predict_P.size:
        sys_lo, sys_hi = extra_band(th, base)
        half_lo, half_hi = np.hypot(half_lo, sys_lo), np.hypot(half_hi, sys_hi)
    prediction = [
        {
            "P": float(Ps),
            "value": float(math.exp(b)),
            "lower": float(math.exp(b - hl)),
            "upper": float(math.exp(b + hh)) if math.isfinite(b + hh) else math.inf,
        }
        for Ps, b, hl, hh in zip(predict_P, base, half_lo, half_hi)
    ]
    slopes = {}
    for Ps in predict_P:
        e1, e2 = fam.predict(th, np.array([Ps / 1.01, Ps * 1.01]))
        slopes[f"{Ps:g}"] = float((math.log(e2) - math.log(e1)) / (2 * math.log(1.01)))
    return th, fitted, stderr, prediction, interval, {"local_slope": slopes}, math.sqrt(float(np.mean(r * r))), n


def _plc_start(P, E):
    """A start for a P^-b + c: c a little below the smallest E, (a, b) from the log-log line of E − c."""
    c = 0.5 * E.min()
    b, ln_a = np.polyfit(np.log(P), np.log(np.maximum(E - c, 1e-300)), 1)
    return [math.exp(ln_a), max(-b, 1e-3), c]


def fit_curve(
    P,
    test_error,
    seed=None,
    *,
    spectrum=None,
    kappa=None,
    cutoff=None,
    predict_P=None,
    level=0.9,
    bootstrap=100,
    rng_seed=0,
    U=0.0,
    width=None,
    depth=1,
    parameterization="standard",
) -> FitResult:
    """Fit a measured learning curve with the renormalized theory and extrapolate it (module docstring).

    Parameters
    ----------
    P, test_error : arrays
        One row per measurement (P an integer ≥ 1, test error > 0), several rows per P allowed.
    seed : array of int, optional
        The run (seed) of each row: with ≥ 3 seeds the intervals come from a bootstrap over seeds.
    spectrum : Measured, DataSpectrum, Model or (eigenvalues, target), optional
        The known spectrum: fit only ``kappa_eff`` and ``sigma2``. Without it: the power law (alpha, beta,
        kappa, B, sigma2).
    kappa : float > 0, optional
        The nominal ridge: the first start of the fitted ridge (spectrum mode: the fitted ratio
        kappa_eff/kappa is reported).
    cutoff : int ≥ 1, optional
        Modes Λ of the power law (default 10⁶; the data set's N for KRR on N points). Not with ``spectrum``.
    predict_P : sequence of float ≥ 1, optional
        Where to extrapolate; each gets ``{"P", "value", "lower", "upper"}``.
    level : float in (0, 1)
        Central probability of the band (default 0.9).
    bootstrap : int ≥ 0
        Resamples of the bootstrap over seeds (default 100; 0: the delta method always).
    rng_seed : int
        Seed of the bootstrap.
    U : float ≥ 0, optional
        Power-law mode only: a fixed quartic coupling. U > 0: E(P) is ``rgflow.predict(model, "rg").test_error``
        of ``Model.from_spectrum(PowerLaw(alpha, beta, B=B), P, kappa, U, cutoff, "renormalized", noise=sigma2)``
        (the test error of docs/theory.md §5 at U > 0: (Σ⟨Δ_k⟩² + σ²γ)/(1 − γ)).
    width, depth, parameterization : optional
        Power-law mode only: a fixed network (docs/networks.md; not with U > 0). E(P) is ``rgflow.predict(model,
        "exact").test_error`` of the network Model on the renormalized ridge; ``sigma2`` is not fitted (a network
        on a spectrum takes no label noise). With U or width the fit starts from the U = 0 fit and the grid's best three starts, and its interval
        is the delta method's (a bootstrap would refit the model at every P a hundred times); ``params`` says
        ``U`` or ``width``, ``depth``, ``parameterization``.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        On bad input (naming the parameter), or too few distinct P (spectrum: 3; power law: 6).
    FloatingPointError
        If no start gives a finite fit.

    Examples
    --------
    >>> import numpy as np
    >>> from rgflow.fit import fit_curve, noisy_test_error
    >>> k = np.arange(1, 2001.0); lam, y = k**-1.5, k**-0.9
    >>> P = np.array([25, 50, 100, 200])
    >>> E = noisy_test_error(lam, y**2, np.ones_like(lam), P, kappa=0.3, sigma2=0.02)
    >>> res = fit_curve(P, E, spectrum=(lam, y), predict_P=[800])
    >>> print({k: round(v, 4) for k, v in res.fitted.items()})
    {'kappa_eff': 0.3, 'sigma2': 0.02}
    """
    P, E, seed = _check_curve(P, test_error, seed)
    predict_P = _check_predict(predict_P)
    level = check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    bootstrap = check_int("bootstrap", bootstrap, low=0)
    kappa = None if kappa is None else check_real("kappa", kappa, low=0.0, low_open=True)
    params = {"level": level, "kappa": kappa}
    U = check_real("U", U, low=0.0)
    network = None
    if width is not None:
        from .network_real import check_network_spec

        N, L, par = check_network_spec(width, depth, parameterization)
        network = {"width": N, "depth": L, "parameterization": par}
        if U:
            raise ValueError(f"U must be 0 with a network (width = {N}): finite width is the coupling, got U={U!r}")
    elif depth != 1 or parameterization != "standard":
        raise ValueError("depth and parameterization describe a network: give its width too")
    if spectrum is not None and (U or network):
        raise ValueError("U and width apply to the power-law model only (fit without spectrum)")
    if spectrum is not None:
        if cutoff is not None:
            raise ValueError("cutoff applies to the power-law model only; the spectrum brings its own modes")
        from .optimal import spectrum_arrays

        lam, y, residual = spectrum_arrays(spectrum)
        w = np.ones_like(lam)
        fam = _spectrum_family(lam, y * y, w, residual, kappa)
        extra = _drift_band(lam, y, residual, fam, P.max(), predict_P)
        th, fitted, stderr, pred, interval, derived, rs, n = _run(
            fam, P, E, seed, predict_P, level, bootstrap, rng_seed, 3, extra
        )
        if kappa is not None:
            derived["kappa_eff_over_kappa"] = fitted["kappa_eff"] / kappa
        derived.update(extra.info)
        params.update(mode="spectrum", n_modes=int(lam.size), residual=residual)
        name = "rgflow-spectrum"
    else:
        cutoff = DEFAULT_CUTOFF if cutoff is None else check_int("cutoff", cutoff, high=10**12)
        fam = _power_law_family(cutoff, kappa)
        if U or network:  # the U = 0 fit, then the coupled model from there (its delta-method interval)
            th0 = _run(fam, P, E, seed, np.array([], float), level, 0, rng_seed, 6)[0]
            # starts: the U = 0 fit and the best three of the power law's grid, screened with the coupled model
            # (rg) or, for the costlier network, with the U = 0 model (one start alone missed the right valley)
            coupled = _coupled_family(cutoff, kappa, U, network)
            Pm, Em, se = _means(P, E, seed)
            sm = np.maximum(se, 1e-3) if seed is not None and np.all(np.isfinite(se)) else np.ones(Pm.size)
            if not network:
                coupled.x0s = [list(x) for x in fam.x0s]
            grid = _screen(fam if network else coupled, Pm, Em, sm)
            fam = coupled
            starts = [list(th0[: len(fam.names)])] + [list(x[: len(fam.names)]) for x in grid]
            th, fitted, stderr, pred, interval, derived, rs, n = _run(
                fam, P, E, seed, predict_P, level, 0, rng_seed, 6, starts=starts
            )
            params.update({"U": U} if U else (network or {}))
        else:
            th, fitted, stderr, pred, interval, derived, rs, n = _run(
                fam, P, E, seed, predict_P, level, bootstrap, rng_seed, 6
            )
            a, b = fitted["alpha"], fitted["beta"]
            derived["exponent"] = -min(b, 2 * (1 + a)) / (1 + a)
        params.update(mode="power_law", cutoff=cutoff)
        name = "rgflow-power-law"
    return FitResult(name, fitted, stderr, pred, interval, derived, rs, n, params)


class _DriftBand:
    """The spectrum's exponent drift as a systematic half-width of ln E at the predicted P (module docstring)."""

    def __init__(self, lam, y, residual, fam, P_max, predict_P):
        from .data import exponent_drift

        self.lam, self.y2, self.residual, self.fam = lam, y * y, residual, fam
        self.P_max, self.info, self._predict = P_max, {}, predict_P
        try:
            self.drift = exponent_drift(lam, y)
        except ValueError:
            self.drift = None

    def __call__(self, th, base):
        zero = np.zeros(len(base))
        if self.drift is None:
            self.info["drift"] = None
            return zero, zero
        kappa = math.exp(th[0])
        K = _solve_K(self.lam, np.ones_like(self.lam), np.array([float(self.P_max)]), kappa)[0]
        k_star = max(1, int(np.sum(self.lam / (self.lam + K) >= 0.5)))  # modes learned at the largest fitted P
        k_star = max(k_star, self.lam.size // 2)  # the tilt: the upper half of the measured modes, at most
        sel = self.drift["k_lo"] >= k_star / 2
        if np.sum(sel) < 2:
            sel = np.ones_like(sel, dtype=bool)
        d_alpha = float(np.std(self.drift["alpha"][sel])) if np.sum(sel) > 1 else 0.0
        d_beta = float(np.std(self.drift["beta"][sel])) if np.sum(sel) > 1 else 0.0
        k = np.arange(1, self.lam.size + 1, dtype=float)
        tilt = np.where(k > k_star, np.log(k / k_star), 0.0)
        Pstar = np.array([float(x) for x in self._predict])
        lo, hi = zero.copy(), zero.copy()
        for sa in (-1, 1):
            for sb in (-1, 1):
                lam = self.lam * np.exp(-sa * d_alpha * tilt)
                y2 = self.y2 * np.exp(-sb * d_beta * tilt)
                try:
                    e = np.log(
                        noisy_test_error(
                            lam,
                            y2,
                            np.ones_like(lam),
                            Pstar,
                            kappa,
                            th[1] * (float(np.sum(self.y2)) + self.residual),
                            self.residual,
                        )
                    )
                except FloatingPointError:
                    continue
                hi = np.maximum(hi, e - base)
                lo = np.maximum(lo, base - e)
        self.info["drift"] = {
            "k_star": k_star,
            "d_alpha": d_alpha,
            "d_beta": d_beta,
            "half_width_lower": lo.tolist(),
            "half_width_upper": hi.tolist(),
        }
        return lo, hi


def _drift_band(lam, y, residual, fam, P_max, predict_P):
    return _DriftBand(lam, y, residual, fam, P_max, predict_P)


def fit_baseline(
    P, test_error, seed=None, *, form="chinchilla", predict_P=None, level=0.9, bootstrap=100, rng_seed=0
) -> FitResult:
    """Fit a baseline form to a learning curve, for comparison with :func:`fit_curve`: ``power_law_constant``
    E = a P^-b + c (c ≥ 0; least squares on E) or ``chinchilla`` E = e^E0' + e^A' P^-b (Huber loss δ = 10⁻³
    on ln E from a grid of starts). Intervals and band as :func:`fit_curve`; ``fitted`` a, b, c or A, b, E0.

    Examples
    --------
    >>> import numpy as np
    >>> from rgflow.fit import fit_baseline
    >>> P = np.array([10, 20, 40, 80, 160]); E = 2.0 * P**-0.5 + 0.1
    >>> res = fit_baseline(P, E, form="power_law_constant", predict_P=[640])
    >>> print({k: round(v, 3) for k, v in res.fitted.items()}, round(res.prediction[0]["value"], 4))
    {'a': 2.0, 'b': 0.5, 'c': 0.1} 0.1791
    """
    if form not in BASELINES:
        raise ValueError(f"form must be one of {', '.join(BASELINES)}, got {form!r}")
    P, E, seed = _check_curve(P, test_error, seed)
    predict_P = _check_predict(predict_P)
    level = check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    bootstrap = check_int("bootstrap", bootstrap, low=0)
    fam = _baseline_family(form)
    th, fitted, stderr, pred, interval, derived, rs, n = _run(fam, P, E, seed, predict_P, level, bootstrap, rng_seed, 4)
    derived["exponent"] = -fitted["b"]
    return FitResult(form, fitted, stderr, pred, interval, derived, rs, n, {"level": level, "form": form})
