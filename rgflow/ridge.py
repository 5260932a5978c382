"""The ridge at U = 0 on any spectrum: the bare mass r = P/κ and the renormalized (eigenlearning) ridge.

Conventions (docs/theory.md §5): λ_k > 0 are the eigenvalues of the kernel's integral operator on the data
distribution, y_k the target's coefficients in its eigenbasis (Σ_k y_k² = mean of f²), κ the ridge
added to the P × P Gram matrix (scikit-learn's ``KernelRidge(alpha=κ)``).

Renormalized ridge (eigenlearning; Bordelon et al. 2020, Simon et al. 2021). The effective ridge K
solves

    K = κ/P + (K/P) Σ_k λ_k/(λ_k + K),          r = 1/K,

and with the learnabilities L_k = λ_k/(λ_k + K) and γ = Σ_k L_k²/P the expected test error of the
trained predictor f̂ on the data distribution and its training error are

    E_test = Σ_k (1 − L_k)² y_k² / (1 − γ),      E_train = (κ/(P K))² E_test.

These are derived, not assumed: averaging the likelihood over the P i.i.d. training inputs (Gaussian features)
and taking n replicas gives the coupling (P/2) ln det(I_n + M/κ), M_ab = Σ_k Δ^a_k Δ^b_k; its replica-symmetric
saddle has the mass r = P/(κ + χ), χ = Σ_k λ_k/(1 + rλ_k), which is the equation for K = 1/r above, and the
test error q₀ = B + γ q₀ = B/(1 − γ): the factor 1/(1 − γ) is the replicas' off-diagonal (random-field)
feedback (derivations/finite_data.py, sympy; tests/test_finite_data.py evaluates the derived expressions against
:func:`renormalized_ridge` and :func:`ridge_errors` to 1e-12). The derivation is at U = 0; at U > 0 rgflow keeps
1/(1 − γ) at the U = 0 K (docs/theory.md §5).

Label noise of variance σ² on the P training labels (the test error still measured against the clean
target) adds σ² γ/(1 − γ) to the test error and σ² (κ/(P K))²/(1 − γ) to the training error (the training
residual against the noisy labels): with E_σ = E_test + σ² the error against a noisy test label,
E_train = (κ/(P K))² E_σ (:func:`noisy_error`).

The root is unique and K > κ/P: write the equation as h(K) = K (1 − n(K)/P) = κ/P with
n(K) = Σ_k L_k; h/K increases with K, so h < 0 below the K₀ where n(K₀) = P (if Λ > P) and h increases
above it. With K = κ/P + D the equation reads D = (1/P) Σ_k λ_k K/(λ_k + K); D is bracketed in
[(1/P) Σ_k λ_k (κ/P)/(λ_k + κ/P), Σ_k λ_k/P] and found in ln D (Brent), so neither κ ≫ Pλ (where
K − κ/P is tiny) nor κ down to 1e-300 loses the root. Limits κ → 0: if Λ > P (more modes than samples) K → K₀ > 0 and γ < 1, the ridgeless
interpolator's error; if Λ < P, K → κ/(P − Λ) → 0, γ → Λ/P and E_test → 0 (every mode is recovered);
if Λ = P, K ≈ (κ / Σ_k λ_k⁻¹)^{1/2} → 0 and E_test → 0 as well (γ → 1 but (1 − L_k)² vanishes faster).
1 − γ is computed as (P − Λ + Σ_k (1 − L_k)(1 + L_k))/P, free of cancellation when Λ ≤ P.

Bare picture (the paper's mass r = P/κ, equivalent kernel): the same formulas at K = κ/P with γ = 0,
i.e. E_test = E_train = Σ_k y_k²/(1 + rλ_k)² — exactly the GP bias Σ_k ⟨Δ_k⟩² of docs/theory.md §1 (the error
of the posterior mean when the empirical Gram matrix of the eigenfunctions is replaced by its mean;
it is not the training loss ⟨L⟩/P, which adds the posterior variance Σ_k λ_k/(1 + rλ_k)).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import check_int, check_real
from ._cluster import check_neighbours, cluster_cross_error, cluster_size
from .spectrum import check_spectrum  # noqa: F401  (re-exported: the one validation of spectrum arrays)

__all__ = [
    "RidgeErrors",
    "PointwiseErrors",
    "check_gram",
    "check_spectrum",
    "check_target_values",
    "pointwise_errors",
    "noisy_error",
    "one_minus_gamma",
    "renormalized_ridge",
    "ridge_errors",
    "test_error",
    "RIDGES",
    "GAMMA_DOMAIN",
    "SMALL_RIDGE",
    "spectrum_domain",
    "pointwise_domain",
]

#: the ridge of the action: "bare" (the paper's r = P/κ) or "renormalized" (r = 1/K, eigenlearning)
RIDGES = ("bare", "renormalized")

#: The validated domain of the U = 0 theories from what each one sees (issue 24 item 7; bench/spectrum_domain.py,
#: calibrated on the 216 points of bench/real_krr_results.txt, checked on the 120 held-out random draws of
#: bench/real_krr_random_results.txt). From a spectrum alone the leverages of the data points, which decide where
#: eigenlearning misses real KRR (docs/theory.md §5), are unknown, and no spectrum-only quantity separates the
#: misses: the best, γ = Σ_k L_k²/P (the share of eigenlearning's predicted error that is sampling fluctuation,
#: E − B = γ E), flags 34 of the 36 misses by > 8% at γ ≥ 0.25 with 60 false alarms among 180 (held out: 12 of
#: 16, 27 false alarms among 104); below it eigenlearning missed at 2 of 122 (held out 4 of 81), by at most 10.9%.
#: With the small-ridge corner below (:func:`spectrum_domain`): 34 of 36 caught, 62 false alarms (held out 12 of 16,
#: 37); P(miss | outside) = 0.35 (0.24), P(miss | not flagged) = 0.017 (0.056).
GAMMA_DOMAIN = 0.25
#: The small-ridge corner κ ≤ 0.01·tr(K)/N (tr K/N = Σ_k λ_k, the mean diagonal of the Gram matrix): on held-out
#: real data every U = 0 theory missed there (eigenlearning up to 2.6×, the pointwise ridge up to 1.37× on data
#: with duplicate points or a nearly separable class; issue 24).
SMALL_RIDGE = 0.01
# below this many training points the pointwise ridge is outside its domain: rgflow.krr.POINTWISE_MIN_P (krr imports
# this module, so the value is repeated here; tests/test_ridge.py checks that the two agree)
_POINTWISE_MIN_P = 20


class RidgeErrors(NamedTuple):
    """U = 0 result for one (P, κ): effective ridge ``K`` (= κ/P for the bare ridge), mass ``r`` = 1/K,
    learnabilities ``L`` = λ_k/(λ_k + K), ``gamma`` = Σ L_k²/P (0 for the bare ridge), ``test_error``
    and ``train_error``, which ``ridge`` was used, and the ``domain`` of the prediction against real KRR
    (:func:`spectrum_domain`: "outside: ..." or "unchecked: ..."; appended last, with a default, so
    positional unpacking of the first seven fields keeps working)."""

    ridge: str
    K: float
    r: float
    L: np.ndarray
    gamma: float
    test_error: float
    train_error: float
    domain: str = "unchecked"


def check_gram(K, max_dense, hint="", limit="max_dense") -> np.ndarray:
    """K as a finite, symmetric N × N float array (N ≤ ``max_dense``, the parameter called ``limit``;
    ``hint`` says what to do above it)."""
    try:
        K = np.asarray(K, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("K must be a square array of numbers (the Gram matrix)") from None
    if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] < 1:
        raise ValueError(f"K must be a square N × N Gram matrix, got shape {K.shape}")
    N = K.shape[0]
    max_dense = check_int(limit, max_dense)
    if N > max_dense:
        raise ValueError(
            f"K has N = {N} > {limit} = {max_dense} rows: a dense factorization needs about "
            f"{24 * N * N / 1e9:.1f} GB" + (f"; {hint}" if hint else "")
        )
    if not np.all(np.isfinite(K)):
        raise ValueError("K must be finite (found NaN or inf)")
    scale = np.abs(K).max()
    if np.abs(K - K.T).max() > 1e-10 * max(scale, 1e-300):
        raise ValueError("K must be symmetric")
    return K


def check_target_values(f, N) -> np.ndarray:
    """f as a finite 1-D float array with one value per data point (N)."""
    try:
        f = np.asarray(f, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("f must be a 1-D array of target values") from None
    if f.ndim != 1 or f.size != N:
        raise ValueError(f"f must be a 1-D array with one value per data point ({N}), got shape {f.shape}")
    if not np.all(np.isfinite(f)):
        raise ValueError("f must be finite (found NaN or inf)")
    return f


def _check_P_kappa(P, kappa):
    return check_real("P", P, low=0, low_open=True), check_real("kappa", kappa, low=0, low_open=True)


def renormalized_ridge(eigenvalues, P, kappa) -> float:
    """Effective ridge K of eigenlearning: the root K > κ/P of K = κ/P + (K/P) Σ_k λ_k/(λ_k + K).

    Parameters
    ----------
    eigenvalues : array of λ_k > 0, descending
    P : number of training samples (> 0; non-integer P is allowed, as in a continuum of sizes)
    kappa : ridge κ > 0 added to the P × P Gram matrix

    Returns
    -------
    K : float (r = 1/K is the renormalized mass; K → κ/P as the ridge dominates)
    """
    from scipy.optimize import brentq

    lam, _ = check_spectrum(eigenvalues)
    P, kappa = _check_P_kappa(P, kappa)
    k0 = kappa / P

    def excess(D):  # K = κ/P + D solves D = (1/P) Σ_k λ_k K/(λ_k + K): no cancellation at large κ
        K = k0 + D
        return np.sum(lam * (K / (lam + K))) / P

    lo, hi = excess(0.0), lam.sum() / P  # excess(D) ≥ excess(0): φ(lo) ≤ 0 ≤ φ(hi) for φ(D) = D − excess(D)
    if not (lo > 0 and np.isfinite(hi)):
        raise FloatingPointError(f"renormalized ridge out of floating-point range (κ/P = {k0!r})")
    if lo - excess(lo) >= 0:
        D = lo
    else:
        t = brentq(
            lambda t: np.exp(t) - excess(np.exp(t)),
            np.log(lo),
            np.log(hi),
            xtol=1e-15,
            rtol=4 * np.finfo(float).eps,
            maxiter=500,
        )
        D = float(np.exp(t))
    K = float(k0 + D)
    if not (np.isfinite(K) and K > 0):
        raise FloatingPointError(f"renormalized ridge failed (K = {K!r}, κ/P = {k0!r})")
    return K


def one_minus_gamma(eigenvalues, P, K) -> float:
    """1 − γ, γ = Σ_k L_k²/P with L_k = λ_k/(λ_k + K), computed as (P − Λ + Σ_k (1 − L_k)(1 + L_k))/P
    (free of cancellation when Λ ≤ P). Raises FloatingPointError unless it is > 0."""
    lam = np.asarray(eigenvalues, dtype=float)
    one_minus = K / (lam + K)
    value = float((P - lam.size + np.sum(one_minus * (2.0 - one_minus))) / P)
    if not value > 0:
        raise FloatingPointError(f"1 − γ = {value!r} is not positive at P = {P}, K = {K!r}")
    return value


def noisy_error(bias, gamma, one_minus_gamma, noise=0.0, residual=0.0):
    """The test error of eigenlearning against the clean target, E = (B + ε² + σ² γ)/(1 − γ), from the bias
    B = Σ_k (1 − L_k)² y_k² (or Σ_k ⟨Δ_k⟩² at U > 0), γ = Σ_k L_k²/P, ``one_minus_gamma`` = 1 − γ, the label
    noise ``noise`` = σ² of the training labels and the target power ``residual`` = ε² outside the modes.
    (The error of eigenlearning against a noisy test label is (B + ε² + σ²)/(1 − γ); a noisy test label adds
    σ² to the error, so the clean error is that minus σ².) Works elementwise on arrays. The one place of
    this formula: :func:`ridge_errors`, :attr:`rgflow.Prediction.test_error` and
    :func:`rgflow.fit.noisy_test_error` use it."""
    return (bias + residual + noise * gamma) / one_minus_gamma


# no commas in the domain texts: they are CSV cells
_CHECK = "check with the Gram matrix: rgflow krr --gram K.npy --target f.npy or rgflow.ridge.pointwise_errors"


def spectrum_domain(ridge, gamma, kappa, scale) -> str:
    """The domain of a U = 0 prediction made from a spectrum alone, against real KRR on data.

    ``ridge="renormalized"`` (eigenlearning): "outside: ..." when γ = Σ_k L_k²/P ≥ :data:`GAMMA_DOMAIN` (0.25;
    E − B = γ E is the share of the predicted error E that is sampling fluctuation, the part that unequal
    leverages move) or κ ≤ :data:`SMALL_RIDGE` · ``scale`` (``scale`` = Σ_k λ_k = tr(K)/N, the mean diagonal of
    the Gram matrix), else "unchecked: ..." — a spectrum carries no leverages, and they decide (docs/theory.md
    §5); the text says how to check them. ``ridge="bare"``: "unchecked: ..." (the equivalent kernel, the
    paper's picture, is not a model of real KRR's test error: 1.1–112× below it on real data). Calibration:
    :data:`GAMMA_DOMAIN`.

    Parameters
    ----------
    ridge : "bare" or "renormalized"
    gamma : γ of the prediction;  kappa : the ridge κ > 0;  scale : Σ_k λ_k > 0

    Returns
    -------
    str starting with "outside: " or "unchecked: "
    """
    if ridge == "bare":
        return (
            "unchecked: bare ridge r = P/κ (the equivalent kernel): not a model of real KRR's test error (it "
            "under-predicts it 1.1-112x on real data); ridge='renormalized' matches it"
        )
    notes = []
    if gamma >= GAMMA_DOMAIN:
        notes.append(
            f"renormalized ridge at gamma = {gamma:.2f} >= {GAMMA_DOMAIN} (sampling fluctuation >= 25% of the "
            "predicted error): where leverages are unequal eigenlearning missed real KRR by > 8% at 1 in 3-4 "
            "such points"
        )
    if kappa <= SMALL_RIDGE * scale:
        notes.append(
            f"small ridge kappa = {kappa:.3g} <= {SMALL_RIDGE}·tr(K)/N = {SMALL_RIDGE * scale:.3g}: every U = 0 "
            "theory missed real KRR there on held-out data"
        )
    if notes:
        return "outside: " + "; ".join(notes) + f" ({_CHECK})"
    return (
        f"unchecked: gamma = {gamma:.2f} < {GAMMA_DOMAIN} (there eigenlearning was within 8% of real KRR at 118 of "
        f"120 calibration points and 67 of 71 held out; worst 12%) but a spectrum has no leverages and they "
        f"decide ({_CHECK})"
    )


def pointwise_domain(P, kappa, scale) -> str:
    """The validated domain of the pointwise ridge (:func:`pointwise_errors`) on real data: "outside: ..." below
    :data:`rgflow.krr.POINTWISE_MIN_P` (20) training points (KRR/pointwise 1.08–1.16 at P = 5–10, κ = 0.02,
    bench/real_krr_small_P_results.txt) or at a small ridge κ ≤ :data:`SMALL_RIDGE` · ``scale`` (``scale`` =
    tr(K)/N; up to 1.37× on held-out data with duplicate points), else "inside" (within 8% of real KRR at all
    216 points of bench/real_krr_results.txt and 119 of 120 random draws, the miss at P = 7; within 6.2% at P up
    to 0.7 N, bench/pointwise_population_results.txt). Not caught by the rule: iris at 0.02 ≤ κ ≤ 0.1 and P = 20,
    where a few points carry most of the error: 6–12% low with the neighbour clusters (10–39% without; the same
    file)."""
    notes = []
    if P < _POINTWISE_MIN_P:
        notes.append(f"pointwise ridge below {_POINTWISE_MIN_P} training points")
    if kappa <= SMALL_RIDGE * scale:
        notes.append(
            f"small ridge kappa = {kappa:.3g} <= {SMALL_RIDGE}·tr(K)/N = {SMALL_RIDGE * scale:.3g}: every U = 0 "
            "theory missed real KRR there on held-out data"
        )
    return "outside: " + "; ".join(notes) if notes else "inside"


def ridge_errors(eigenvalues, target, P, kappa, ridge="renormalized", residual=0.0, noise=0.0) -> RidgeErrors:
    """Test and training error of kernel ridge regression at U = 0 on a spectrum (λ_k, y_k).

    ``ridge="renormalized"``: K from :func:`renormalized_ridge`, L_k = λ_k/(λ_k + K), γ = Σ L_k²/P,
    E_test = (Σ_k (1 − L_k)² y_k² + ε² + σ²γ) / (1 − γ), E_train = (κ/(P K))² (E_test + σ²).
    ``ridge="bare"``: K = κ/P (r = P/κ), γ = 0, E_test = Σ_k y_k²/(1 + rλ_k)² + ε², E_train = E_test + σ².
    ``residual`` ε² ≥ 0: target power outside the modes (unlearnable, it acts as label noise of
    variance ε²; default 0). ``noise`` σ² ≥ 0: variance of Gaussian noise on the P training labels
    (the test error is measured against the clean target; default 0).

    Parameters
    ----------
    eigenvalues, target : arrays λ_k (> 0, descending) and y_k of equal length
    P, kappa : training samples and ridge (both > 0)
    ridge : "bare" or "renormalized"

    Returns
    -------
    RidgeErrors
        ``K``, ``r``, ``L``, ``gamma``, ``test_error``, ``train_error``, ``ridge`` and ``domain``
        (:func:`spectrum_domain`: where the prediction is outside its validated domain against real KRR, or
        unchecked because a spectrum has no leverages; no warning here, the callers that report warn).

    Raises
    ------
    ValueError
        On bad input (the message names the parameter).
    FloatingPointError
        If 1 − γ is not positive or the error is not finite.

    Examples
    --------
    >>> import numpy as np, rgflow
    >>> from rgflow.ridge import ridge_errors
    >>> model = rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0)
    >>> lam, y = model.eigenvalues(), model.target()
    >>> bare = ridge_errors(lam, y, P=100, kappa=4.0, ridge="bare")      # the GP bias of docs/theory.md §1
    >>> bool(np.isclose(bare.test_error, rgflow.predict(model, "gp").bias, rtol=1e-12))
    True
    >>> ren = ridge_errors(lam, y, P=100, kappa=4.0)
    >>> print(f"r = {ren.r:.2f} (bare P/κ = 25), test error {ren.test_error:.4f}")
    r = 19.21 (bare P/κ = 25), test error 0.5672
    """
    lam, y = check_spectrum(eigenvalues, target)
    P, kappa = _check_P_kappa(P, kappa)
    if ridge not in RIDGES:
        raise ValueError(f"ridge must be one of {', '.join(RIDGES)}, got {ridge!r}")
    residual = check_real("residual", residual, low=0.0)
    noise = check_real("noise", noise, low=0.0)
    y2 = y * y
    if ridge == "bare":
        K = kappa / P
        one_minus = K / (lam + K)
        err = float(np.sum(one_minus**2 * y2) + residual)
        return RidgeErrors(
            "bare", K, 1.0 / K, 1.0 - one_minus, 0.0, err, err + noise, spectrum_domain("bare", 0.0, kappa, lam.sum())
        )
    K = renormalized_ridge(lam, P, kappa)
    one_minus = K / (lam + K)
    L = lam / (lam + K)
    gamma = float(np.sum(L * L) / P)
    test = float(noisy_error(np.sum(one_minus**2 * y2), gamma, one_minus_gamma(lam, P, K), noise, residual))
    train = (kappa / (P * K)) ** 2 * (test + noise)
    if not (np.isfinite(test) and np.isfinite(train)):
        raise FloatingPointError(f"non-finite test error at P = {P}, κ = {kappa}")
    domain = spectrum_domain("renormalized", gamma, kappa, float(lam.sum()))
    return RidgeErrors("renormalized", K, 1.0 / K, L, gamma, test, float(train), domain)


def test_error(eigenvalues, target, P_values, kappa, ridge="renormalized") -> np.ndarray:
    """E_test of :func:`ridge_errors` for each P in ``P_values`` (a learning curve), as an array."""
    lam, y = check_spectrum(eigenvalues, target)
    return np.array([ridge_errors(lam, y, P, kappa, ridge).test_error for P in np.atleast_1d(P_values)])


test_error.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported into a test module


class PointwiseErrors(NamedTuple):
    """Result of :func:`pointwise_errors`: ``test_error`` = ``bias`` + ``fluctuation``, the per-point
    effective ridges ``K_points`` (K_i = (κ/P)/ω_i), the leverages ``q`` (q_i = φ_iᵀ Q̄ φ_i), the constant
    ridge ``K`` of eigenlearning on the same spectrum for comparison, the Newton ``iterations``, and the
    ``domain`` against real KRR (:func:`pointwise_domain`: "inside" or "outside: ..."; last, with a default, so
    positional unpacking of the first seven fields keeps working)."""

    test_error: float
    bias: float
    fluctuation: float
    K_points: np.ndarray
    q: np.ndarray
    K: float
    iterations: int
    domain: str = "unchecked"


_ROUNDING_FLOOR = (
    1e-9  # Newton stops below it (or below 1e-14 × a bound on the condition number) once rounding stops the descent
)


class _PointwiseState(NamedTuple):
    """The pointwise fixed point at one ridge (:func:`_pointwise_fixed_point`): the resolvent's weights ``omega``
    (Q̄ = (Φᵀ Ω Φ/N + K₀)⁻¹), the training residual factors ``w`` = 1/(1 + q̄) with the cavity leverages ``qbar``
    (both = ``omega``, q/P when the draws are i.i.d.), q = diag H, H = Φ Q̄ Φᵀ, the residual ``rho`` =
    K₀ (K Ω/N + K₀)⁻¹ f, ``logdet`` = ln det(S K S/N + K₀), S = diag(√ω), Newton ``iterations``."""

    omega: np.ndarray
    w: np.ndarray
    qbar: np.ndarray
    q: np.ndarray
    H: np.ndarray
    rho: np.ndarray
    logdet: float
    iterations: int


def _cavity_leverage(h, p):
    """(q̄, dq̄/dh): the leverage of a point against the draws without it, from h = φᵀQ̄φ with Q̄ averaged over
    draws that hold it with probability p: q̄ (1 − p q̄/(1 + q̄)) = h, i.e. (1 − p) q̄² + (1 − h) q̄ − h = 0
    (q̄ = h when p = 0; the leave-one-out h/(1 − h) when p = 1)."""
    d = np.sqrt((1.0 - h) ** 2 + 4.0 * (1.0 - p) * h)
    with np.errstate(divide="ignore", invalid="ignore"):  # each branch where it does not cancel
        q = np.where(h <= 1.0, 2.0 * h / ((1.0 - h) + d), ((h - 1.0) + d) / (2.0 * (1.0 - p)))
    return q, (1.0 + q) / d


def _pointwise_h(K, w, K0):
    """(H, M⁻¹, ln det M) at the weights w, M = S K S/N + K₀, S = diag(√w): one Cholesky factorization and its
    inverse (LAPACK potrf, potri), H = S⁻¹(S K S) M⁻¹ S⁻¹ = N [W⁻¹ − K₀ S⁻¹ M⁻¹ S⁻¹]."""
    from scipy.linalg import lapack

    N = K.shape[0]
    s = np.sqrt(w)
    M = s[:, None] * K * s[None, :] / N
    M[np.diag_indices(N)] += K0
    c, info = lapack.dpotrf(M, lower=1, clean=0, overwrite_a=1)
    if info == 0:
        logdet = 2.0 * float(np.sum(np.log(np.diag(c))))
        Minv, info = lapack.dpotri(c, lower=1, overwrite_c=1)
    if info != 0:
        raise FloatingPointError("S K S/N + κ/P is not numerically positive definite")
    Minv = np.tril(Minv) + np.tril(Minv, -1).T
    H = (-N * K0) * (Minv / s[:, None] / s[None, :])
    H[np.diag_indices(N)] += N / w
    return H, Minv, logdet


def _eigenlearning_ridge(K, P, kappa) -> float:
    """Eigenlearning's constant effective ridge K(κ) on the spectrum of K/N (the pointwise fixed point's start)."""
    lam = np.clip(np.linalg.eigvalsh(K / K.shape[0])[::-1], 0.0, None)
    return renormalized_ridge(lam[lam > 0], P, kappa)


def _pointwise_fixed_point(K, f, P, kappa, *, p=0.0, w0=None, tol=1e-12, max_iter=50) -> _PointwiseState:
    """The fixed point of :func:`pointwise_errors` on a checked symmetric Gram matrix K, by Newton's method from
    ``w0`` (default: eigenlearning's constant weight): ω_i = 1/(1 + (1 − p) q̄_i), q̄_i the cavity leverage of
    h_i = [K (Ω K/N + K₀)⁻¹]_ii/P (:func:`_cavity_leverage`); p = P/N for draws without replacement, 0 for
    i.i.d. draws (then ω_i = 1/(1 + q_i/P))."""
    N = K.shape[0]
    K0 = kappa / P
    if w0 is None:
        w0 = np.full(N, K0 / _eigenlearning_ridge(K, P, kappa))

    def residual(w):
        try:
            state = _pointwise_h(K, w, K0)
        except FloatingPointError:
            raise FloatingPointError(
                f"pointwise ridge: S K S/N + κ/P is not numerically positive definite at P = {P}, kappa = {kappa}"
            ) from None
        q = np.diag(state[0]).copy()
        qbar, dq = _cavity_leverage(q / P, p)
        target = 1.0 / (1.0 + (1.0 - p) * qbar) if p < 1.0 else np.ones(N)  # p = 1: every point is drawn
        F = w - target
        return float(np.max(np.abs(F) / w)), F, target, dq, (q, qbar, state)

    w = np.asarray(w0, dtype=float) if p < 1.0 else np.ones(N)
    # rounding floor of the residual: ε·cond(S K S/N + K₀) with cond ≤ (max_i Σ_j |K_ij|/N + K₀)/K₀ (ω ≤ 1)
    floor = max(_ROUNDING_FLOOR, 1e-14 * (float(np.max(np.abs(K).sum(axis=1))) / N + K0) / K0)
    err, F, target, dq, state = residual(w)
    it = 0
    while err >= tol:
        if it == max_iter:
            raise FloatingPointError(
                f"pointwise ridge: Newton's method did not converge in {max_iter} steps "
                f"(residual {err:.2e}) at P = {P}, kappa = {kappa}"
            )
        it += 1
        H = state[2][0]
        J = np.eye(N) - ((1.0 - p) * target * target * dq / (P * N))[:, None] * (H * H)
        step = np.linalg.solve(J, -F)
        t = 1.0
        while t > 1.0 / 64:  # backtracking on max |F_i|/w_i; positive weights only
            trial = w + t * step
            if np.all(trial > 0):
                new = residual(trial)
                if new[0] < (1.0 - 1e-4 * t) * err:
                    w, (err, F, target, dq, state) = trial, new
                    break
            t /= 2.0
        else:  # no descent along Newton's direction
            if err < floor:  # the residual is at the rounding level of an ill-conditioned S K S/N + K₀
                break
            w = target  # one step of the monotone map
            err, F, target, dq, state = residual(w)
    q, qbar, (H, Minv, logdet) = state
    s = np.sqrt(w)
    rho = K0 * (Minv @ (s * f)) / s
    return _PointwiseState(w, 1.0 / (1.0 + qbar), qbar, q, H, rho, logdet, it)


def _population_fraction(P, N, replace) -> float:
    """p = P/N for draws without replacement (P ≤ N), 0 for i.i.d. draws."""
    if replace:
        return 0.0
    if P > N:
        raise ValueError(f"P must be <= N = {N} (the points of the Gram matrix) without replacement, got P = {P}")
    return P / N


def _cavity_moments(s1, s2, P, N, p, noise=0.0) -> np.ndarray:
    """E_i, point by point: the cross moment of the residuals at two ridges (states s1, s2) when point i is left
    out of a draw without replacement, E_i = c_i [ρ¹_i ρ²_i + (1/(PN)) Σ_{j≠i} H¹_ij H²_ij ω¹_j ω²_j ((1 − p) E_j + σ²)],
    c_i = (ω¹_i/w¹_i)(ω²_i/w²_i) (:func:`_pointwise_cross_error`)."""
    HH = s1.H * s2.H
    np.fill_diagonal(HH, 0.0)
    oo = s1.omega * s2.omega
    c = (s1.omega / s1.w) * (s2.omega / s2.w)
    A = np.eye(N) - c[:, None] * HH * ((1.0 - p) * oo / (P * N))[None, :]
    return np.linalg.solve(A, c * (s1.rho * s2.rho + noise * (HH @ oo) / (P * N)))


def _pointwise_cross_error(s1, s2, P, N, p, noise=0.0, cavity=None) -> float:
    """E₁₂ = mean_i of E[r¹_i r²_i] over draws, for KRR at two ridges on the same draw (the states s1, s2 of
    :func:`_pointwise_fixed_point`; s1 = s2: the test error), labels with noise variance σ² = ``noise``.

    i.i.d. draws (p = 0): E₁₂ = (1/N) Σ_i ρ¹ρ² + (1/(PN)) Σ_i ω¹ω² t_i (ρ¹ρ² + σ²), t_i = (1/N) Σ_j H¹_ij H²_ij
    (1 + ω¹_j ω²_j t_j/P). Without replacement (p = P/N): point i is left out with probability 1 − p, when its
    residual has the cavity moments E_i = c_i [ρ¹_i ρ²_i + (1/(PN)) Σ_{j≠i} H¹_ij H²_ij ω¹_j ω²_j ((1 − p) E_j + σ²)],
    c_i = (ω¹_i/w¹_i)(ω²_i/w²_i), and drawn with probability p, when its residual is w_i (r_i^cav − q̄_i σ ξ_i):
    E₁₂ = (1/N) Σ_i [(1 − p) E_i + p w¹_i w²_i (E_i + q̄¹_i q̄²_i σ²)] (docs/theory.md §5). ``cavity``: E_i when
    already computed."""
    if p == 0.0:
        HH = s1.H * s2.H
        oo = s1.omega * s2.omega
        rr = s1.rho * s2.rho
        t = np.linalg.solve(np.eye(N) - HH * (oo / (P * N))[None, :], HH.sum(axis=1) / N)
        ok = bool(np.all(np.isfinite(t)) and np.all(t > 0))
        E = float(np.mean(rr) + np.sum(oo * t * (rr + noise)) / (P * N))
    else:
        Ei = _cavity_moments(s1, s2, P, N, p, noise) if cavity is None else cavity
        ww = s1.w * s2.w
        ok = bool(np.all(np.isfinite(Ei))) and (s1 is not s2 or bool(np.all(Ei > 0)))
        E = float(np.mean((1.0 - p) * Ei + p * ww * (Ei + s1.qbar * s2.qbar * noise)))
    if not ok:
        raise FloatingPointError(
            f"pointwise ridge: the fluctuation system is not positive at P = {P} (the analogue of 1 − γ ≤ 0)"
        )
    return E


def _cluster_errors(K, states, P, p, noise, c, k, cavity=None) -> np.ndarray:
    """rgflow._cluster.cluster_cross_error (clusters of c points, up to k drawn) with this ridge's cavity moments
    (``cavity``: a table of them by pair of state indices, when already computed)."""
    N = K.shape[0]
    if cavity is None:
        return cluster_cross_error(K, states, lambda a, b: _cavity_moments(a, b, P, N, p, noise), P, p, noise, c, k)
    index = {id(st): j for j, st in enumerate(states)}
    return cluster_cross_error(K, states, lambda a, b: cavity[index[id(a)], index[id(b)]], P, p, noise, c, k)


def cross_errors(K, states, P, p, noise=0.0, neighbours="auto", cavity=None) -> np.ndarray:
    """The R × R pointwise cross errors at the fixed points ``states``: with clusters (:func:`_cluster_errors`)
    unless ``neighbours`` is 0 or the draws are i.i.d. (p = 0), else pair by pair (:func:`_pointwise_cross_error`).
    ``cavity``: the cavity moments E_i of every pair (R × R × N, without replacement), when already computed."""
    N = K.shape[0]
    c, k = cluster_size(p, N, neighbours)
    if c > 1:
        E = _cluster_errors(K, states, P, p, noise, c, k, cavity)
        if np.all(np.isfinite(E)) and np.all(np.diag(E) > 0):
            return E
        raise FloatingPointError(f"pointwise ridge with neighbour clusters: the cross error is not positive at P = {P}")
    R = len(states)
    E = np.empty((R, R))
    for a in range(R):
        for b in range(a, R):
            Ei = None if cavity is None else cavity[a, b]
            E[a, b] = E[b, a] = _pointwise_cross_error(states[a], states[b], P, N, p, noise, Ei)
    return E


MAX_POINTS = 6000


def pointwise_errors(
    K, f, P, kappa, *, replace=False, tol=1e-12, max_iter=50, max_points=MAX_POINTS, noise=0.0, neighbours="auto"
) -> PointwiseErrors:
    """Expected test error of KRR on P points drawn from a data set of N points, with one renormalized
    ridge per data point (the cavity derivation of eigenlearning without assuming that the leverages
    concentrate; docs/theory.md §5).

    With features φ_i (φ_iᵀφ_j = K_ij, the N × N Gram matrix), K₀ = κ/P and weights ω_i, the
    deterministic equivalent of the training resolvent is Q̄ = (Φᵀ Ω Φ/N + K₀)⁻¹, H = Φ Q̄ Φᵀ, q_i = H_ii and

        ω_i = 1/(1 + (1 − p) q̄_i),   q̄_i (1 − p q̄_i/(1 + q̄_i)) = q_i/P,

    solved by Newton's method; q̄_i is the leverage of point i against the draws without it and p = P/N the
    chance that a draw holds it. The mean residual at each point is ρ = K₀ (K Ω/N + K₀)⁻¹ f.

    ``replace=False`` (default; P ≤ N distinct points, as real KRR is measured): a point is left out with
    probability 1 − p, when its squared residual has the cavity mean E_i =
    c_i [ρ_i² + (1/(PN)) Σ_{j≠i} H_ij² ω_j² ((1 − p) E_j + σ²)], c_i = (ω_i (1 + q̄_i))², and drawn with
    probability p, when its residual is shrunk by w_i = 1/(1 + q̄_i):

        E_test = (1/N) Σ_i [(1 − p) E_i + p w_i² (E_i + q̄_i² σ²)],

    exact at P = N (the test error of KRR on all the points). ``replace=True`` (i.i.d. draws, p = 0, ω_i =
    1/(1 + q_i/P)): with t solving t_i = (1/N) Σ_j H_ij² (1 + ω_j² t_j / P),

        E_test = (1/N) Σ_i ρ_i²  +  (1/(P N)) Σ_i ω_i² t_i (ρ_i² + σ²)      (bias + fluctuation),

    and when the leverages are all equal (q_i ≡ q, e.g. a translation-invariant kernel on a ring, or Gaussian
    features) ω ≡ K₀/K and this is eigenlearning, :func:`ridge_errors`, exactly; its σ² term is then
    σ² γ/(1 − γ), that of :func:`noisy_error`. σ² is the variance of Gaussian noise on the training labels
    (``noise``, default 0; the test error is against the clean f).

    Parameters
    ----------
    K : (N, N) array, the Gram matrix of the whole data set (symmetric PSD; N ≤ ``max_points``)
    f : (N,) array, the target on every point
    P, kappa : training samples and ridge (both > 0), as in ``KernelRidge(alpha=kappa)``
    replace : False (default): P ≤ N distinct points; True: P i.i.d. draws (any P > 0)
    neighbours : "auto" (default) or an int m ≥ 0: each point and its m nearest neighbours (by kernel value) are
        drawn exactly, 2^(m+1) subsets summed with the other points at their pointwise weights (rgflow._cluster;
        docs/theory.md §5); where a point's error hangs on whether its few close neighbours are drawn (a small
        ridge on clustered data) the plain ridge (m = 0) is 10–30% low. "auto": the largest m whose subsets with
        up to k drawn points (the rest has probability ≤ 1e-3 and keeps the plain value) number ≤ min(4096,
        2²²/N); 0 with ``replace=True``. ``bias`` and ``K_points`` stay those of the plain ridge
    tol, max_iter : Newton's stopping rule max_i |ω_i − 1/(1 + (1 − p) q̄_i)|/ω_i < tol, within max_iter steps (or,
        once rounding stops the descent, below max(1e-9, 1e-14 · cond), cond = (max_i Σ_j |K_ij|/N + κ/P)/(κ/P) the
        bound on the condition number of S K S/N + κ/P: at κ/P ≲ 1e-6 · tr K/N with near-duplicate points or a
        low-rank K)

    Returns
    -------
    PointwiseErrors

    Raises
    ------
    ValueError
        On bad input (the message names the parameter).
    FloatingPointError
        If Newton's method does not converge or the fluctuation system is not positive (the analogue
        of 1 − γ ≤ 0).

    Examples
    --------
    >>> import numpy as np
    >>> from rgflow.ridge import pointwise_errors, ridge_errors
    >>> N = 64; x = 2 * np.pi * np.arange(N) / N
    >>> K = np.exp(np.cos(x[:, None] - x[None, :]))        # translation invariant: equal leverages
    >>> f = np.sin(x) + 0.3 * np.cos(3 * x)
    >>> from rgflow.data import spectrum_from_gram
    >>> a = pointwise_errors(K, f, P=10, kappa=0.1, replace=True).test_error
    >>> b = ridge_errors(*spectrum_from_gram(K, f), P=10, kappa=0.1).test_error
    >>> bool(np.isclose(a, b, rtol=1e-10))
    True
    >>> A = K @ np.linalg.inv(K + 0.1 * np.eye(N))        # all N points drawn: KRR's own test error
    >>> bool(np.isclose(pointwise_errors(K, f, P=N, kappa=0.1).test_error, np.mean((f - A @ f) ** 2)))
    True
    """
    K = check_gram(
        K,
        max_points,
        hint="the pointwise ridge holds a few N × N matrices; use ridge_errors on the spectrum",
        limit="max_points",
    )
    N = K.shape[0]
    f = check_target_values(f, N)
    P, kappa = _check_P_kappa(P, kappa)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    noise = check_real("noise", noise, low=0.0)
    max_iter = check_int("max_iter", max_iter)
    if not isinstance(replace, (bool, np.bool_)):
        raise ValueError(f"replace must be True or False, got {replace!r}")
    K = (K + K.T) / 2.0
    K_el = _eigenlearning_ridge(K, P, kappa)
    pop = _population_fraction(P, N, replace)
    st = _pointwise_fixed_point(K, f, P, kappa, p=pop, w0=np.full(N, kappa / P / K_el), tol=tol, max_iter=max_iter)
    test = float(cross_errors(K, [st], P, pop, noise, check_neighbours(neighbours, bool(replace)))[0, 0])
    bias = float(np.mean(st.rho * st.rho))
    fluct = test - bias
    domain = pointwise_domain(P, kappa, float(np.trace(K)) / N)
    return PointwiseErrors(test, bias, fluct, (kappa / P) / st.omega, st.q, K_el, st.iterations, domain)
