"""Learning curves ⟨L⟩/P against P (docs/theory.md §4 check 7) and their continuum approximations.

Discrete curves
---------------
``learning_curve`` evaluates, for every P at fixed ridge κ (mass r = P/κ, cutoff Λ = P unless a
fixed ``cutoff`` is given), the training loss per sample ⟨L⟩/P = Σ_k ⟨Δ_k²⟩ and its parts
bias = Σ_k ⟨Δ_k⟩² and variance = Σ_k Var Δ_k from :func:`rgflow.predict.predict` with any method.

Continuum approximations (U = 0, closed forms)
----------------------------------------------
With a = 1 + α and the substitution t = r k^-a, v = t/(1+t), the sums turn into incomplete beta
functions (B(v; p, q) = ∫_0^v x^(p-1)(1-x)^(q-1) dx, unnormalized):

    bias     Σ_k y_k²/(1+rλ_k)²  ≈ ∫ k^-(1+β)/(1+r k^-a)² dk = r^(-β/a)/a · [B(v; β/a, 2-β/a)]_{v(k_hi)}^{v(k_lo)}
    variance Σ_k λ_k/(1+rλ_k)    ≈ ∫ k^-a/(1+r k^-a) dk      = r^(-α/a)/a · [B(v; α/a, 1/a)]_{v(k_hi)}^{v(k_lo)}

The integration limits are the midpoints k ∈ [½, Λ + ½] (midpoint rule for the sum over the
integers 1..Λ; the same convention as the hybrid flow scheme). As P → ∞ at fixed κ
(r = P/κ → ∞, v(k_lo) → 1, v(Λ) → 0) they approach the pure power laws

    bias     → B(β/a, 2-β/a)/a · (P/κ)^(-β/(1+α))        (needs β < 2(1+α); else the bias ∝ P^-2)
    variance → B(α/a, 1/a)/a   · (P/κ)^(-α/(1+α))

The finite cutoff Λ = P is a slowly decaying correction: relative size ∝ P^(-αβ/a) (bias) and
∝ P^(-α²/a) (variance) -- at α = 0.2 the variance exponent is approached only logarithmically slowly.

U > 0 (continuum approximation)
-------------------------------
The GP forms above evaluated with the end mass r_∞ of the *continuum* flow
(:func:`rgflow.flow.flow` with scheme 'continuum', integrated down to k_c = 1): the Hartree mass
shift of the quartic is resummed by the flow; the mode's own exchange correction O(u_∞ G²) is
dropped (it is small at large P).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import paper as _paper
from .model import Model, check_int, check_real
from .results import Result

__all__ = [
    "learning_curve",
    "LearningCurve",
    "parse_P_values",
    "continuum_bias",
    "continuum_variance",
    "continuum_curve",
    "asymptotic_exponents",
    "asymptotic_curve",
    "local_slopes",
]

PAPER = dict(_paper.SPECTRUM)  # the paper's spectrum and ridge (rgflow.paper)


# --- discrete learning curves ----------------------------------------------------------------


def _as_P_array(P_values, name="P"):
    """Integers ≥ 1 from a sequence or a string of parse_P_values; errors name ``name``."""
    if isinstance(P_values, str):
        return parse_P_values(P_values, name)
    from .model import P_MAX

    try:
        items = list(P_values) if isinstance(P_values, (list, tuple, range, np.ndarray)) else [P_values]
    except TypeError:
        items = [P_values]
    if not items:
        raise ValueError(f"{name}_values must hold at least one value")
    return np.array([check_int(name, p, high=P_MAX) for p in items], dtype=np.int64)


@dataclass(frozen=True)
class LearningCurve(Result):
    """Result of :func:`learning_curve`: ⟨L⟩/P = bias + variance against the number of samples P.

    Attributes
    ----------
    P : ndarray of int
        The sample sizes.
    loss, bias, variance : ndarray
        ⟨L⟩/P, Σ_k ⟨Δ_k⟩² and Σ_k Var Δ_k at each P.
    test_error, train_error : ndarray
        Expected test and training error at each P (:attr:`rgflow.predict.Prediction.test_error`).
    modes : dict or None
        Only with ``learning_curve(..., modes=True)``: per-mode learning curves, ``learnability`` and
        ``error``, each a list with one array per P over that P's modes k = 1..Λ(P): the learnability
        L_k = 1 − ⟨Δ_k⟩/y_k (at U = 0: λ_k/(λ_k + K), K = 1/r the effective ridge; λ_k/(λ_k + K) where
        y_k = 0) and the mode's error ⟨Δ_k⟩² (at U = 0: (1 − L_k)² y_k²). Their sum over k is the bias;
        with the renormalized ridge the test error is Σ_k (1 − L_k)² y_k²/(1 − γ) (plus a measured
        spectrum's residual). :meth:`mode_curve` gives L_k(P) and the error of one mode k along the curve.
    method : str
        The predictor used.
    params : dict
        The fixed parameters (alpha, beta, kappa, U, cutoff; ridge when renormalized).

    Examples
    --------
    >>> import rgflow
    >>> curve = rgflow.learning_curve([100, 400], alpha=0.2, beta=0.3, kappa=4.0, method="gp")
    >>> curve.P, curve.method
    (array([100, 400]), 'gp')
    >>> print(curve.loss.round(4))
    [1.5165 1.2743]
    """

    P: np.ndarray
    loss: np.ndarray
    bias: np.ndarray
    variance: np.ndarray
    method: str
    params: dict
    test_error: np.ndarray | None = None
    train_error: np.ndarray | None = None
    modes: dict | None = None

    def mode_curve(self, k) -> dict:
        """The per-mode learning curve of mode ``k`` (1-based): arrays ``P``, ``learnability`` L_k(P) and
        ``error`` (1 − L_k)² y_k² at U = 0 (⟨Δ_k⟩² in general). Needs ``learning_curve(..., modes=True)``;
        ValueError if k exceeds the number of modes at some P (Λ = P by default)."""
        if self.modes is None:
            raise ValueError("this curve holds no per-mode data: compute it with learning_curve(..., modes=True)")
        n = min(len(a) for a in self.modes["learnability"])
        k = check_int("k", k, high=n)
        return {
            "P": self.P,
            "learnability": np.array([a[k - 1] for a in self.modes["learnability"]]),
            "error": np.array([a[k - 1] for a in self.modes["error"]]),
        }

    def _columns(self) -> dict:
        """P, loss, bias, variance (+ test_error, train_error with the renormalized ridge; with the bare
        ridge both equal the bias (plus a measured spectrum's residual), and the CSV columns stay those of
        before)."""
        cols: dict = {"P": self.P, "loss": self.loss, "bias": self.bias, "variance": self.variance}
        if self.params.get("ridge", "bare") != "bare":
            cols.update(test_error=self.test_error, train_error=self.train_error)
        return cols

    def _data(self) -> dict:
        """P (integers), loss, bias, variance, test_error, train_error, method."""
        out = {
            "P": self.P,
            "loss": self.loss,
            "bias": self.bias,
            "variance": self.variance,
            "test_error": self.test_error,
            "train_error": self.train_error,
            "method": self.method,
        }
        if self.modes is not None:
            out["modes"] = self.modes
        return out


def learning_curve(
    P_values,
    alpha,
    beta,
    kappa,
    U=0.0,
    method="rg",
    cutoff=None,
    *,
    spectrum=None,
    ridge="bare",
    width=None,
    depth=1,
    parameterization="standard",
    width_ratio=None,
    modes=False,
    noise=0.0,
    **options,
) -> LearningCurve:
    """Learning curve ⟨L⟩/P = bias + variance = Σ_k ⟨Δ_k⟩² + Σ_k Var Δ_k for each P at fixed κ,
    and the test and training errors (:attr:`rgflow.predict.Prediction.test_error`).

    The mass r = P/κ grows with P; Λ = P unless ``cutoff`` is given. Each point is
    :func:`rgflow.predict.predict` with ``method``. In the GP continuum limit the bias falls as
    P^-β/(1+α) and the variance as P^-α/(1+α) (docs/theory.md §4 check 7).

    Parameters
    ----------
    P_values : sequence of int ≥ 1 or str
        The sample sizes, or a string ``'100,200,400'`` / ``'START:STOP:NUM'`` (log-spaced).
    alpha, beta : float
        Spectrum and target exponents (None when ``spectrum`` is given).
    kappa : float > 0
        Ridge, fixed along the curve.
    U : float ≥ 0, optional
        Quartic coupling (default 0).
    method : str, optional
        One of ``METHODS`` (default ``'rg'``).
    cutoff : int ≥ 1, optional
        Number of modes Λ at every P (default Λ = P).
    spectrum : PowerLaw or Measured, optional
        The models are ``Model.from_spectrum(spectrum, P, kappa, U, cutoff)`` (a measured
        spectrum keeps its cutoff, default the number of modes, at every P).
    ridge : {"bare", "renormalized"}, optional
        r = P/κ (default) or r = 1/K (:class:`rgflow.Model`).
    noise : float ≥ 0, optional
        Label noise σ² of the training labels (:class:`rgflow.Model`; default 0): enters test_error and train_error.
    width, depth, parameterization : optional
        A network of fixed width N at every P (:class:`rgflow.Model`; docs/networks.md).
    width_ratio : float > 0, optional
        A network of width N = max(1, round(width_ratio · P)) at each P (the proportional regime,
        fixed N/P) instead of a fixed ``width``.
    modes : bool, optional
        Also store the per-mode learning curves (default False): for each P and mode k the learnability
        L_k = 1 − ⟨Δ_k⟩/y_k, which at U = 0 is λ_k/(λ_k + K) with K = 1/r (κ/P for the bare ridge, the
        effective ridge of eigenlearning for the renormalized one), and the mode's error ⟨Δ_k⟩² =
        (1 − L_k)² y_k² (U = 0), in :attr:`LearningCurve.modes` (JSON key ``modes``; the CSV is unchanged).
    **options
        Passed to the method (e.g. ``seed`` for ``langevin``).

    Returns
    -------
    LearningCurve
        Arrays ``P``, ``loss``, ``bias``, ``variance``, ``test_error``, ``train_error``.

    Raises
    ------
    ValueError
        On bad input (the message names the parameter and the allowed range).
    FlowError, ConvergenceError
        As :func:`rgflow.predict.predict`, naming the failing P.

    Examples
    --------
    >>> import numpy as np, rgflow
    >>> curve = rgflow.learning_curve([1000, 10000, 100000], alpha=0.2, beta=0.3, kappa=4.0, method="gp")
    >>> slopes = np.diff(np.log(curve.bias)) / np.diff(np.log(curve.P))
    >>> print(slopes.round(3), "-> -β/(1+α) =", round(-0.3 / 1.2, 3))
    [-0.192 -0.202] -> -β/(1+α) = -0.25
    """
    from .predict import predict

    Ps = _as_P_array(P_values)
    if width_ratio is not None:
        if width is not None:
            raise ValueError(f"give width or width_ratio, not both (got width={width!r}, width_ratio={width_ratio!r})")
        width_ratio = check_real("width_ratio", width_ratio, low=0.0, low_open=True)
    if not isinstance(modes, (bool, np.bool_)):
        raise ValueError(f"modes must be True or False, got {modes!r}")
    loss, bias, var, test, train = (np.empty(len(Ps)) for _ in range(5))
    per_mode = {"learnability": [], "error": []} if modes else None
    for i, P in enumerate(Ps):
        N = width if width_ratio is None else max(1, round(width_ratio * int(P)))
        model = Model.build(
            alpha,
            beta,
            int(P),
            kappa,
            U,
            cutoff,
            spectrum,
            ridge,
            width=N,
            depth=depth,
            parameterization=parameterization,
            noise=noise,
        )
        pred = predict(model, method, **options)
        bias[i], var[i] = pred.bias, pred.variance
        loss[i] = bias[i] + var[i]
        test[i], train[i] = pred.test_error, pred.train_error
        if modes:
            per_mode["learnability"].append(_learnability(pred))
            per_mode["error"].append(np.asarray(pred.mean, dtype=float) ** 2)
    params = {"alpha": alpha, "beta": beta, "kappa": kappa, "U": U, "cutoff": cutoff}
    if spectrum is not None:
        params.update(spectrum.params)
        params["cutoff"] = pred.model.cutoff if cutoff is None and spectrum.n_modes is not None else cutoff
    if ridge != "bare":
        params["ridge"] = ridge
    if noise:  # label noise σ² (test_error, train_error): no key at the default 0
        params["noise"] = noise
    if width is not None or width_ratio is not None:
        params.update(width=width, depth=depth, parameterization=parameterization)
        if width_ratio is not None:
            params["width_ratio"] = width_ratio
    return LearningCurve(Ps, loss, bias, var, method, params, test, train, per_mode)


def _learnability(pred) -> np.ndarray:
    """L_k = 1 − ⟨Δ_k⟩/y_k of one prediction; at y_k = 0 (no target on the mode) λ_k/(λ_k + K), the U = 0
    value with the model's effective ridge K = 1/r."""
    model = pred.model
    lam, y = model.eigenvalues(), model.target()
    mean = np.asarray(pred.mean, dtype=float)
    L = lam / (lam + 1.0 / model.r)
    nz = y != 0
    L[nz] = 1.0 - mean[nz] / y[nz]
    return L


def parse_P_values(text, name="P") -> np.ndarray:
    """'100,200,400' or a log-spaced range 'START:STOP:NUM' (integers >= 1, duplicates removed) of
    the parameter ``name`` (:func:`rgflow._values.parse_values`)."""
    from ._values import parse_values

    return parse_values(text, name, integer=True, spacing="log", low=1)


# --- continuum closed forms ------------------------------------------------------------------


def _beta_inc(p, q, v):
    """Unnormalized incomplete beta ∫_0^v x^(p-1)(1-x)^(q-1) dx for p > 0 (any q, via mpmath if q ≤ 0)."""
    v = np.asarray(v, dtype=float)
    if q > 0:
        from scipy.special import beta as B
        from scipy.special import betainc

        return betainc(p, q, v) * B(p, q)
    import mpmath

    return np.vectorize(lambda x: float(mpmath.betainc(p, q, 0, x)))(v)


def _v(r, k, a):
    # v = t/(1+t) with t = r k^-a, computed stably as 1/(1 + k^a/r)
    return 1.0 / (1.0 + np.asarray(k, dtype=float) ** a / r)


def _check_r(r):
    r = np.asarray(r, dtype=float)
    if not np.all(np.isfinite(r) & (r > 0)):
        raise ValueError(f"r must be finite and > 0, got {r!r}")
    return r


def continuum_bias(alpha, beta, r, k_hi, k_lo=0.5):
    """∫_{k_lo}^{k_hi} k^-(1+β)/(1 + r k^-(1+α))² dk in closed form (incomplete beta)."""
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=0.0, low_open=True)  # the continuum bias needs beta > 0
    a = 1.0 + alpha
    p, q = beta / a, 2.0 - beta / a
    r = _check_r(r)
    return r ** (-p) / a * (_beta_inc(p, q, _v(r, k_lo, a)) - _beta_inc(p, q, _v(r, k_hi, a)))


def continuum_variance(alpha, r, k_hi, k_lo=0.5):
    """∫_{k_lo}^{k_hi} k^-(1+α)/(1 + r k^-(1+α)) dk in closed form (incomplete beta)."""
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    a = 1.0 + alpha
    p, q = alpha / a, 1.0 / a
    r = _check_r(r)
    return r ** (-p) / a * (_beta_inc(p, q, _v(r, k_lo, a)) - _beta_inc(p, q, _v(r, k_hi, a)))


def continuum_curve(P_values, alpha, beta, kappa, U=0.0, cutoff=None) -> dict:
    """Continuum approximation of the learning curve: closed forms with limits [½, Λ+½].

    U = 0: the GP forms with r = P/κ. U > 0: the same forms with the end mass r_∞ of the continuum
    flow (see the module docstring). Returns arrays P, loss, bias, variance, r_eff.
    """
    from .flow import flow

    Ps = _as_P_array(P_values)
    check_real("kappa", kappa, low=0.0, low_open=True)
    r_eff = np.empty(len(Ps))
    lam = np.empty(len(Ps))
    for i, P in enumerate(Ps):
        m = Model(alpha, beta, int(P), kappa, U, cutoff)
        lam[i] = m.cutoff
        r_eff[i] = m.r if m.U == 0 else flow(m, "continuum").end[0]
    bias = continuum_bias(alpha, beta, r_eff, lam + 0.5)
    var = continuum_variance(alpha, r_eff, lam + 0.5)
    return {"P": Ps, "loss": bias + var, "bias": bias, "variance": var, "r_eff": r_eff}


def asymptotic_exponents(alpha, beta) -> dict:
    """Exponents of the GP learning curve at fixed κ, Λ = P → ∞: bias, variance and loss."""
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=-1.0, low_open=True)
    a = 1.0 + alpha
    b = -min(beta / a, 2.0)  # for β ≥ 2(1+α) the bias is dominated by the learned modes, ∝ r^-2
    v = -alpha / a
    return {"bias": b, "variance": v, "loss": max(b, v)}


def asymptotic_curve(P_values, alpha, beta, kappa) -> dict:
    """The pure power laws the GP curves approach as P → ∞ (Λ = P, κ fixed, r = P/κ).

    variance = B(α/a, 1/a)/a · r^(−α/a) and, for β < 2a, bias = B(β/a, 2 − β/a)/a · r^(−β/a)
    (continuum, a = 1 + α). For β > 2a the learned modes dominate the bias: Σ_k y_k²/(rλ_k)² =
    ζ(1 + β − 2a) r^−2; at β = 2a that sum grows as ln(r)/a, the leading term given here.
    """
    from scipy.special import beta as B
    from scipy.special import zeta

    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=0.0, low_open=True)
    kappa = check_real("kappa", kappa, low=0.0, low_open=True)
    a = 1.0 + alpha
    r = np.asarray(_as_P_array(P_values), dtype=float) / kappa
    if beta < 2 * a:
        bias = B(beta / a, 2 - beta / a) / a * r ** (-beta / a)
    elif beta > 2 * a:
        bias = zeta(1.0 + beta - 2 * a) * r**-2.0
    else:
        bias = np.log(r) / a * r**-2.0
    var = B(alpha / a, 1 / a) / a * r ** (-alpha / a)
    return {"P": r * kappa, "bias": bias, "variance": var, "loss": bias + var}


def local_slopes(P, L) -> np.ndarray:
    """d ln L / d ln P along a curve (second-order finite differences in ln P; same length as P)."""
    P, L = np.asarray(P, dtype=float), np.asarray(L, dtype=float)
    if P.ndim != 1 or P.shape != L.shape or P.size < 2:
        raise ValueError(f"local_slopes needs two 1-D arrays of the same length >= 2, got shapes {P.shape}, {L.shape}")
    if not np.all(np.isfinite(P) & (P > 0) & np.isfinite(L) & (L > 0)):
        raise ValueError("local_slopes needs finite positive P and L (logarithmic slopes)")
    x, y = np.log(P), np.log(L)
    return np.gradient(y, x)


# --- figure 5 --------------------------------------------------------------------------------
