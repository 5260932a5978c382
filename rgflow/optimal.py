"""The best ridge: the κ that minimizes the predicted test error of kernel ridge regression at U = 0, and
learning curves at the optimal ridge or along a schedule κ ∝ P^-ℓ.

Theories (docs/theory.md §5; :data:`rgflow.krr.THEORIES`), on a spectrum (λ_k, y_k) with the target power
ε² outside its modes (a measured spectrum's residual) and label noise of variance σ² on the training
labels (the test error measured against the clean target):

* ``renormalized`` (eigenlearning): K solves K = κ/P + (K/P) Σ_k λ_k/(λ_k + K), L_k = λ_k/(λ_k + K),
  γ = Σ_k L_k²/P and

      E(κ) = [Σ_k (1 − L_k)² y_k² + ε² + σ² γ] / (1 − γ);

* ``bare`` (r = P/κ, γ = 0): E(κ) = Σ_k y_k²/(1 + rλ_k)² + ε² (label noise does not enter at γ = 0);
* ``pointwise``: one renormalized ridge per data point on the Gram matrix
  (:func:`rgflow.ridge.pointwise_errors`, its label-noise term included).

The search is over ln κ: a scan of ``n_grid`` points on the bounds, then Brent's bounded method between
the neighbours of the scan's minimum. When the scan's minimum is its lowest point the predicted error
still falls as κ → 0: the optimum is the ridgeless limit, reported as ``kappa = 0.0`` with
``ridgeless=True`` and the error at the lower bound (the κ → 0 limit to within the scan); at the highest
point the optimum is κ → ∞ (``kappa = inf``, ``boundary="upper"``: learn nothing).

Every result names its theory (``theory``, and in ``params``) and carries the ``domain`` of the prediction
against real KRR at the ridge it reports (:func:`prediction_domain`: :func:`rgflow.ridge.spectrum_domain` for a
spectrum theory, :func:`rgflow.ridge.pointwise_domain` for the pointwise one); no warning is issued here (the
CLI, ``rgflow ridge``, warns on stderr for every "outside" one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._checks import check_int, check_real
from .results import Result

__all__ = [
    "OptimalRidge",
    "RidgeCurve",
    "optimal_ridge",
    "optimal_curve",
    "schedule_curve",
    "predicted_error",
    "spectrum_arrays",
    "prediction_domain",
]


def spectrum_arrays(source):
    """(λ, y, ε²) of a spectrum ``source``: a :class:`rgflow.Model` (its modes k = 1..Λ), a
    :class:`rgflow.spectrum.Measured`, a :class:`rgflow.data.DataSpectrum` (ε² = its dropped power) or a
    pair (λ, y) (ε² = 0)."""
    from .model import Model
    from .ridge import check_spectrum

    residual = 0.0
    if isinstance(source, Model):
        lam, y = source.eigenvalues(), source.target()
        residual = float(getattr(source.spectrum, "residual", 0.0))
    elif hasattr(source, "modes") and getattr(source, "n_modes", None) is not None:  # Measured
        lam, y = source.modes(source.n_modes)
        residual = float(source.residual)
    elif hasattr(source, "eigenvalues") and hasattr(source, "meta"):  # DataSpectrum
        lam, y = source.eigenvalues, source.target
        residual = float(source.meta.get("dropped_power", 0.0)) if source.meta.get("dropped_modes") else 0.0
    elif hasattr(source, "power_law") and source.power_law:
        raise ValueError("a PowerLaw has no number of modes: pass rgflow.Model(..., cutoff=Λ) or the arrays (λ, y)")
    else:
        try:
            lam, y = source
        except (TypeError, ValueError):
            raise ValueError(
                "spectrum must be a Model, a Measured or DataSpectrum, or a pair of arrays "
                f"(eigenvalues, target), got {type(source).__name__}"
            ) from None
    lam, y = check_spectrum(lam, y)
    return lam, y, residual


def _check_theory(theory):
    from .krr import THEORIES

    if theory not in THEORIES:
        raise ValueError(f"theory must be one of {', '.join(THEORIES)}, got {theory!r}")
    return theory


def predicted_error(lam, y, P, kappa, theory="renormalized", *, residual=0.0, noise=0.0, gram=None, f=None):
    """The predicted test error E(κ) of ``theory`` at P samples and ridge κ (module docstring formulas);
    ``gram`` and ``f`` (the N × N Gram matrix and the target) for ``pointwise``."""
    from .ridge import pointwise_errors, ridge_errors

    if theory == "pointwise":
        return pointwise_errors(gram, f, P, kappa, noise=noise).test_error
    res = ridge_errors(lam, y, P, kappa, theory, residual=residual)
    if theory == "bare" or noise == 0:
        return res.test_error
    return res.test_error + noise * res.gamma / (1.0 - res.gamma)


def prediction_domain(lam, y, P, kappa, theory="renormalized", *, residual=0.0, gram=None) -> str:
    """The domain against real KRR of ``theory``'s prediction at (P, κ) (:mod:`rgflow.ridge`): for
    ``renormalized`` and ``bare`` :func:`rgflow.ridge.spectrum_domain` (the ``domain`` of
    :func:`rgflow.ridge.ridge_errors`, "outside: ..." or "unchecked: ..."), for ``pointwise``
    :func:`rgflow.ridge.pointwise_domain` with tr(K)/N of ``gram`` ("inside" or "outside: ..."). κ = 0 (a
    ridgeless optimum) is judged at the smallest ridge of the scan the caller passes; κ = inf learns nothing
    (the prediction is the target's power, exactly): "inside"."""
    from .ridge import pointwise_domain, ridge_errors

    if math.isinf(kappa):
        return "inside"
    if theory == "pointwise":
        return pointwise_domain(P, kappa, float(np.trace(gram)) / gram.shape[0])
    return ridge_errors(lam, y, P, kappa, theory, residual=residual).domain


@dataclass(frozen=True)
class OptimalRidge(Result):
    """Result of :func:`optimal_ridge`: the minimizing ``kappa`` (0.0 for the ridgeless limit, inf for
    κ → ∞), the predicted ``test_error`` there, ``ridgeless`` (the optimum is κ → 0), ``boundary``
    (None, "lower" or "upper"), the search ``bounds``, the ``scan`` (kappa, test_error arrays of the grid),
    the number of ``evaluations`` of the theory, ``theory`` and ``P``, and the ``domain`` of the prediction at
    the optimum against real KRR (:func:`prediction_domain`; for a ridgeless optimum at the lower bound)."""

    theory: str
    P: float
    kappa: float
    test_error: float
    ridgeless: bool
    boundary: str | None
    bounds: tuple
    scan: dict
    evaluations: int
    params: dict = field(default_factory=dict)
    domain: str = "unchecked"

    def _method(self) -> str:
        return self.theory

    def _data(self) -> dict:
        return {
            "theory": self.theory,
            "P": self.P,
            "kappa": self.kappa,
            "test_error": self.test_error,
            "ridgeless": self.ridgeless,
            "boundary": self.boundary,
            "bounds": list(self.bounds),
            "evaluations": self.evaluations,
            "scan": self.scan,
            "domain": self.domain,
        }

    def _header(self) -> dict:
        return {"theory": self.theory, "domain": self.domain}

    def _columns(self) -> dict:
        return {"kappa": self.scan["kappa"], "test_error": self.scan["test_error"]}


def _bounds(lam, P, theory, bounds):
    scale = float(np.sum(lam))  # Σ λ_k = tr K/N, the mean diagonal of the Gram matrix
    if bounds is None:
        lo = (1e-6 if theory == "pointwise" else 1e-9) * P * scale
        return lo, 1e3 * P * scale
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be a pair (kappa_min, kappa_max), got {bounds!r}") from None
    lo = check_real("bounds[0] (kappa_min)", lo, low=0.0, low_open=True)
    hi = check_real("bounds[1] (kappa_max)", hi, low=0.0, low_open=True)
    if not hi > lo:
        raise ValueError(f"bounds must satisfy kappa_min < kappa_max, got ({lo!r}, {hi!r})")
    return lo, hi


def optimal_ridge(
    spectrum, P, theory="renormalized", *, noise=0.0, gram=None, f=None, bounds=None, n_grid=None, xtol=None
) -> OptimalRidge:
    """The ridge κ > 0 that minimizes the predicted test error of ``theory`` at P samples.

    Parameters
    ----------
    spectrum : Model, Measured, DataSpectrum or (eigenvalues, target)
        The spectrum (λ_k, y_k) (:func:`spectrum_arrays`); None for ``pointwise`` (it reads ``gram``, ``f``,
        and the spectrum is computed from them when needed for the bounds).
    P : float > 0
        Training samples.
    theory : {"renormalized", "pointwise", "bare"}
        E(κ) as in the module docstring.
    noise : float ≥ 0
        Label-noise variance σ² on the training labels (renormalized: + σ²γ/(1 − γ); bare: no effect;
        pointwise: its per-point noise term).
    gram, f : arrays, optional
        The N × N Gram matrix and the target on its N points (``pointwise`` only).
    bounds : (kappa_min, kappa_max), optional
        Search bounds; default [10⁻⁹, 10³]·P·Σ_k λ_k; pointwise: [κ_r/100, 100 κ_r] around the renormalized
        optimum κ_r on the Gram matrix's spectrum ([10⁻⁶, 10⁻²]·P·Σ_k λ_k when that one is ridgeless).
    n_grid : int ≥ 5, optional
        Points of the scan in ln κ (default 41; pointwise 9).
    xtol : float > 0, optional
        Tolerance of Brent's method in ln κ (default 1e-5; pointwise 1e-2).

    Returns
    -------
    OptimalRidge

    Raises
    ------
    ValueError
        On bad input (the message names the parameter and its range).
    FloatingPointError
        If the theory fails at every point of the scan (e.g. 1 − γ ≤ 0).

    Examples
    --------
    >>> import rgflow
    >>> from rgflow.optimal import optimal_ridge
    >>> m = rgflow.Model(alpha=0.5, beta=0.5, P=100, kappa=1.0, cutoff=2000)
    >>> best = optimal_ridge(m, 100, noise=0.05)
    >>> print(f"kappa* = {best.kappa:.3f}, E = {best.test_error:.5f}, ridgeless: {best.ridgeless}")
    kappa* = 0.050, E = 0.33120, ridgeless: False
    >>> # y_k² = λ_k (α = β): the target is a draw of the kernel's GP prior, and the Bayes-optimal ridge is σ²
    >>> optimal_ridge(m, 100).ridgeless            # noise free: the best ridge is κ → 0 here
    True
    """
    from scipy.optimize import minimize_scalar

    theory = _check_theory(theory)
    P = check_real("P", P, low=0.0, low_open=True)
    noise = check_real("noise", noise, low=0.0)
    if theory == "pointwise":
        from .ridge import MAX_POINTS, check_gram, check_target_values

        if gram is None or f is None:
            raise ValueError("theory 'pointwise' needs gram (the N × N Gram matrix) and f (the target on its points)")
        gram = check_gram(gram, MAX_POINTS, limit="max_points")
        f = check_target_values(f, gram.shape[0])
        lam, y, residual = np.clip(np.linalg.eigvalsh(gram / gram.shape[0]), 0.0, None), None, 0.0
    else:
        if spectrum is None:
            raise ValueError(f"theory {theory!r} needs the spectrum (eigenvalues, target)")
        lam, y, residual = spectrum_arrays(spectrum)
    if theory == "pointwise" and bounds is None:  # each evaluation is a Newton solve on N × N matrices: scan
        from .data import spectrum_from_gram  # around the renormalized optimum (the same ridge to ~10%)

        near = optimal_ridge(spectrum_from_gram(gram, f), P, "renormalized")
        sc = P * float(np.sum(lam))
        bounds = (
            (near.kappa / 100, near.kappa * 100)
            if near.boundary is None
            else ((1e-6 * sc, 1e-2 * sc) if near.ridgeless else (10 * sc, 1e4 * sc))
        )
    lo, hi = _bounds(lam, P, theory, bounds)
    n_grid = check_int("n_grid", 9 if theory == "pointwise" and n_grid is None else (n_grid or 41), low=5)
    xtol = check_real(
        "xtol", 1e-2 if theory == "pointwise" and xtol is None else (xtol or 1e-5), low=0.0, low_open=True
    )
    count = [0]

    def E(t):
        count[0] += 1
        return predicted_error(lam, y, P, math.exp(t), theory, residual=residual, noise=noise, gram=gram, f=f)

    ts = np.linspace(math.log(lo), math.log(hi), n_grid)
    errs = np.full(n_grid, np.inf)
    failures = []
    for i, t in enumerate(ts):
        try:
            errs[i] = E(t)
        except FloatingPointError as exc:
            failures.append(str(exc))
    if not np.any(np.isfinite(errs)):
        raise FloatingPointError(
            f"optimal_ridge: the {theory} theory failed at every ridge of the scan "
            f"[{lo:.3g}, {hi:.3g}] at P = {P:g} ({failures[0]})"
        )
    first = int(np.argmax(np.isfinite(errs)))  # the theory may fail at the smallest ridges (pointwise: Cholesky)
    i = int(np.argmin(errs))
    scan = {"kappa": np.exp(ts), "test_error": errs}
    base = dict(
        theory=theory,
        P=P,
        bounds=(lo, hi),
        scan=scan,
        params={"theory": theory, "P": P, "noise": noise, "n_modes": int(lam.size)},
    )
    if i == first:
        if first > 0:
            raise FloatingPointError(
                f"optimal_ridge: the {theory} error falls toward the smallest ridge it could "
                f"evaluate (κ = {scan['kappa'][first]:.3g}; below it: {failures[0]}); "
                "the optimum is not located (give bounds)"
            )
        return OptimalRidge(
            kappa=0.0,
            test_error=float(errs[0]),
            ridgeless=True,
            boundary="lower",
            evaluations=count[0],
            domain=prediction_domain(lam, y, P, lo, theory, residual=residual, gram=gram),
            **base,
        )
    if i == n_grid - 1:
        return OptimalRidge(
            kappa=math.inf,
            test_error=float(errs[-1]),
            ridgeless=False,
            boundary="upper",
            evaluations=count[0],
            domain=prediction_domain(lam, y, P, math.inf, theory),
            **base,
        )
    res = minimize_scalar(E, bounds=(ts[i - 1], ts[i + 1]), method="bounded", options={"xatol": xtol})
    t_best, e_best = (float(res.x), float(res.fun)) if res.fun <= errs[i] else (float(ts[i]), float(errs[i]))
    return OptimalRidge(
        kappa=math.exp(t_best),
        test_error=e_best,
        ridgeless=False,
        boundary=None,
        evaluations=count[0],
        domain=prediction_domain(lam, y, P, math.exp(t_best), theory, residual=residual, gram=gram),
        **base,
    )


@dataclass(frozen=True)
class RidgeCurve(Result):
    """A learning curve of predicted test errors at a P-dependent ridge: arrays ``P``, ``kappa`` and
    ``test_error``, ``ridgeless`` (the optimum is κ → 0; all False for a schedule), the ``schedule``
    ("optimal" or "power": κ = κ₀ (P/P₀)^-ℓ), ``theory`` and ``params``, and the ``domain`` of each point
    against real KRR (:func:`prediction_domain`; a tuple of str, one per P; JSON key and CSV column ``domain``)."""

    P: np.ndarray
    kappa: np.ndarray
    test_error: np.ndarray
    ridgeless: np.ndarray
    schedule: str
    theory: str
    params: dict = field(default_factory=dict)
    domain: tuple = ()

    def _method(self) -> str:
        return self.theory

    def _data(self) -> dict:
        return {
            "P": self.P,
            "kappa": self.kappa,
            "test_error": self.test_error,
            "ridgeless": self.ridgeless,
            "schedule": self.schedule,
            "theory": self.theory,
            "domain": list(self.domain),
        }

    def _columns(self) -> dict:
        cols = {
            "P": self.P,
            "kappa": self.kappa,
            "test_error": self.test_error,
            "ridgeless": [int(b) for b in self.ridgeless],
        }
        if len(self.domain) == len(self.P):
            cols["domain"] = list(self.domain)
        return cols


def _P_list(P_values):
    items = np.atleast_1d(np.asarray(P_values, dtype=object)).tolist()
    if not items:
        raise ValueError("P_values must hold at least one value")
    return np.array([check_real("P", p, low=0.0, low_open=True) for p in items])


def optimal_curve(spectrum, P_values, theory="renormalized", **options) -> RidgeCurve:
    """The learning curve at the optimal ridge: :func:`optimal_ridge` at every P (``options`` go to it).
    Where the optimum is ridgeless, ``kappa`` is 0 and the error is the κ → 0 limit."""
    Ps = _P_list(P_values)
    rows = [optimal_ridge(spectrum, P, theory, **options) for P in Ps]
    return RidgeCurve(
        Ps,
        np.array([r.kappa for r in rows]),
        np.array([r.test_error for r in rows]),
        np.array([r.ridgeless for r in rows]),
        "optimal",
        theory,
        {"theory": theory, "schedule": "optimal", "noise": options.get("noise", 0.0)},
        tuple(r.domain for r in rows),
    )


def schedule_curve(
    spectrum, P_values, kappa0, ell, P0=None, theory="renormalized", *, noise=0.0, gram=None, f=None
) -> RidgeCurve:
    """The learning curve along the ridge schedule κ(P) = κ₀ (P/P₀)^-ℓ (P₀ default: the first P; ℓ = 0 is a
    fixed ridge), predicted by ``theory`` (:func:`predicted_error`)."""
    theory = _check_theory(theory)
    Ps = _P_list(P_values)
    kappa0 = check_real("kappa0", kappa0, low=0.0, low_open=True)
    ell = check_real("ell", ell)
    P0 = Ps[0] if P0 is None else check_real("P0", P0, low=0.0, low_open=True)
    noise = check_real("noise", noise, low=0.0)
    if theory == "pointwise":
        if gram is None or f is None:
            raise ValueError("theory 'pointwise' needs gram (the N × N Gram matrix) and f (the target on its points)")
        lam = y = None
        residual = 0.0
    else:
        lam, y, residual = spectrum_arrays(spectrum)
    kappas = kappa0 * (Ps / P0) ** (-ell)
    if not np.all(np.isfinite(kappas) & (kappas > 0)):
        raise ValueError(f"the schedule κ₀ (P/P₀)^-ℓ leaves the float range (kappa0={kappa0!r}, ell={ell!r})")
    errs = np.array(
        [
            predicted_error(lam, y, P, k, theory, residual=residual, noise=noise, gram=gram, f=f)
            for P, k in zip(Ps, kappas)
        ]
    )
    if theory == "pointwise":  # validated by pointwise_errors above
        gram = np.asarray(gram, dtype=float)
    domain = tuple(prediction_domain(lam, y, P, k, theory, residual=residual, gram=gram) for P, k in zip(Ps, kappas))
    return RidgeCurve(
        Ps,
        kappas,
        errs,
        np.zeros(len(Ps), dtype=bool),
        "power",
        theory,
        {"theory": theory, "schedule": "power", "kappa0": kappa0, "ell": ell, "P0": float(P0), "noise": noise},
        domain,
    )
