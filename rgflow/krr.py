"""Empirical check of the U = 0 theory against real kernel ridge regression (KRR).

Setup. Inputs x uniform on the grid x = 2πm/N, m = 0..N−1 (N ≥ 16Λ, a power of two; any N > 2Λ
makes the eigenfunctions φ_k(x) = √2 s_k cos(k x) exactly orthonormal, E_x φ_k φ_q = δ_kq);
kernel K(x, x') = Σ_{k=1}^{Λ} λ_k φ_k(x) φ_k(x') with exactly the spectrum λ_k = k^-(1+α); target
f*(x) = Σ_k y_k φ_k(x), y_k = k^-(1+β)/2 (noise free). KRR with ridge κ on P samples:
f̂ = K(·, X)(K + κ I)^-1 y. The signs s_k = ±1 (a basis convention: K does not depend on them) are
drawn per seed. With all s_k = +1 the target is singular at x = 0 (f* ~ |x|^-(1−β)/2), its unlearned
part sits on the few samples near 0 and the per-seed training residual scatters by ~100%; with
random signs the scatter is 4-15% and the theory (which depends on y_k² only) is unchanged.

Normalization (the mapping to docs/theory.md §1). The data term of the GP posterior is
Σ_i (f(x_i) − y_i)²/(2κ). Replacing the empirical Gram matrix of the eigenfunctions by its mean,
(1/P) Σ_i φ_k(x_i) φ_q(x_i) → δ_kq (the equivalent-kernel approximation, EK), turns it into
(P/2κ) Σ_k Δ_k², i.e. the mass r = P/κ. Hence

    training residual (1/P) Σ_i (f̂(x_i) − y_i)² = (κ²/P) yᵀ(K+κI)⁻² y  ↔  bias Σ_k y_k²/(1 + rλ_k)²,
    posterior variance at the training points (κ/P) tr[K (K+κI)⁻¹]    ↔  variance Σ_k λ_k/(1 + rλ_k),

and their sum ↔ ⟨L⟩/P.

Beyond the equivalent kernel. The fluctuations of the empirical Gram matrix renormalize the ridge
(RR, the "eigenlearning"/replica result of Bordelon et al. 2020, Simon et al. 2021):
κ_eff (1 − (1/P) Σ_k L_k) = κ with L_k = Pλ_k/(Pλ_k + κ_eff); bias (κ/κ_eff)² E₀ Σ_k y_k² (1 − L_k)²,
E₀ = P/(P − Σ_k L_k²); variance (κ/P) Σ_k L_k. EK is its limit κ_eff → κ. The diagnostic is
δ = (1/P) Σ_k rλ_k/(1 + rλ_k) (learned modes per sample, at the bare ridge): from the formulas,
exactly, RR/EK ∈ [(1−δ)₊², 1/(1−δ)] for the bias and ∈ [1−δ, 1] for the variance, so EK holds to
relative O(δ) and says nothing once δ ≳ 1/2. RR is itself an approximation (Gaussian-feature
universality): with Λ = 4P it holds to ~1-2% at δ ≲ 0.4 and to ~6% at δ ≈ 3, but with Λ = P at a
tiny ridge (next to the interpolation threshold) it misses by 13-35%.

Measured (α = 0.2, β = 0.3, Λ = 4P, P = 100..1600, figure 8, ``rgflow.plotting.fig8_kernel_ridge``): see the README.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import paper as _paper
from .model import Model, check_int, check_real, gp_moments
from .results import Result
from .ridge import MAX_POINTS, renormalized_ridge, ridge_errors

__all__ = [
    "sample_gram",
    "krr_training_loss",
    "theory_training_loss",
    "effective_ridge",
    "compare",
    "gaussian_feature_krr",
    "eigenvector_kurtosis",
    "THEORIES",
    "KRRComparison",
    "compare_real",
    "check_comparison",
    "check_theories",
    "domain_note",
    "leverage_spread",
]


def _grid_size(cutoff) -> int:
    """Points N of the input grid: a power of two ≥ max(2^16, 16Λ) (orthonormality needs N > 2Λ)."""
    return max(1 << 16, 1 << int(np.ceil(np.log2(16 * cutoff))))


def sample_gram(P, alpha, beta, cutoff=None, seed=0, random_signs=True):
    """(K, t, x): Gram matrix K_ij = K(x_i, x_j) and targets t_i = f*(x_i) at P inputs x drawn from the
    N-point grid x = 2πm/N, in O(P² + N log N): with G(m) = Σ_k λ_k cos(2πkm/N) (one FFT),
    K(x_i, x_j) = G(m_i − m_j) + G(m_i + m_j) since 2 cos a cos b = cos(a − b) + cos(a + b)."""
    m = Model(alpha, beta, P, 1.0, 0.0, cutoff)
    N = _grid_size(m.cutoff)
    coef = np.zeros((2, N))
    coef[0, 1 : m.cutoff + 1] = m.eigenvalues()
    rng = np.random.default_rng([check_int("seed", seed, low=0), m.P, m.cutoff])
    signs = rng.choice([-1.0, 1.0], m.cutoff) if random_signs else 1.0
    coef[1, 1 : m.cutoff + 1] = np.sqrt(2.0) * signs * m.target()
    G, F = np.fft.fft(coef, axis=1).real  # G(m) = Σ λ_k cos(2πkm/N), F(m) = f*(2πm/N)
    idx = rng.integers(0, N, m.P)
    K = G[(idx[:, None] - idx[None, :]) % N] + G[(idx[:, None] + idx[None, :]) % N]
    return K, F[idx], 2 * np.pi * idx / N


def _krr_one(K, t, kappa):
    """(κ²/P)·|(K+κI)⁻¹t|² and κ(1 − κ tr[(K+κI)⁻¹]/P) from one Cholesky factor; tr A⁻¹ = |L⁻¹|_F²."""
    from scipy.linalg import cho_solve, lapack

    P = len(t)
    L, info = lapack.dpotrf(K + kappa * np.eye(P), lower=1, clean=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"K + κI not positive definite (κ = {kappa}); dpotrf info {info}")
    z = cho_solve((L, True), t)
    Linv, info = lapack.dtrtri(L, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"singular Cholesky factor (κ = {kappa}); dtrtri info {info}")
    bias = kappa**2 * float(z @ z) / P
    variance = kappa * (1.0 - kappa * float(np.sum(Linv**2)) / P)
    if not (np.isfinite(bias) and np.isfinite(variance)):
        raise FloatingPointError(f"non-finite KRR residual at κ = {kappa}")
    return bias, variance


def krr_training_loss(P, alpha, beta, kappa, cutoff=None, seeds=(0,), random_signs=True) -> dict:
    """Real KRR on the circle, averaged over ``seeds`` (standard error over seeds, nan for one seed):
    bias = (1/P) Σ_i (f̂(x_i) − y_i)² = (κ²/P) tᵀ(K+κI)⁻²t, variance = (κ/P) tr[K(K+κI)⁻¹]."""
    m = Model(alpha, beta, P, kappa, 0.0, cutoff)
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    out = np.array([_krr_one(*sample_gram(m.P, alpha, beta, m.cutoff, s, random_signs)[:2], m.kappa) for s in seeds])
    out = np.column_stack([out, out.sum(axis=1)])
    n = len(out)
    se = out.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(3, np.nan)
    res = {}
    for j, key in enumerate(("bias", "variance", "loss")):
        res[key], res[key + "_stderr"] = float(out[:, j].mean()), float(se[j])
    return res


def effective_ridge(P, lam, kappa) -> float:
    """κ_eff = P·K of the self-consistent (eigenlearning) theory: κ_eff (1 − Σ_k λ_k/(Pλ_k + κ_eff)) = κ,
    with K from :func:`rgflow.ridge.renormalized_ridge`."""
    return P * renormalized_ridge(lam, P, kappa)


def theory_training_loss(P, alpha, beta, kappa, cutoff=None) -> dict:
    """U = 0 theory: equivalent kernel (``bias``, ``variance``, ``loss``; docs/theory.md §1 with r = P/κ), the
    renormalized ridge (``*_rr``, with ``kappa_eff``, ``E0``) and the diagnostic δ = (1/P) Σ rλ/(1+rλ)."""
    m = Model(alpha, beta, P, kappa, 0.0, cutoff)
    lam = m.eigenvalues()
    r = m.r
    M, G = gp_moments(m)
    bias, var = float(np.sum(M * M)), float(np.sum(G))
    rr = ridge_errors(lam, m.target(), m.P, m.kappa, "renormalized")
    ke = m.P * rr.K
    E0 = 1.0 / (1.0 - rr.gamma)
    rr_bias = rr.train_error  # the training residual (κ/κ_eff)² E0 Σ_k y_k² (1 − L_k)²
    rr_var = float(m.kappa * np.sum(rr.L) / m.P)
    return {
        "bias": bias,
        "variance": var,
        "loss": bias + var,
        "kappa_eff": ke,
        "E0": float(E0),
        "bias_rr": rr_bias,
        "variance_rr": rr_var,
        "loss_rr": rr_bias + rr_var,
        "diagnostic": float(np.sum(r * lam / (1 + r * lam)) / m.P),
    }


def compare(P_values, alpha, beta, kappa, cutoff_factor=4, samples=12800, min_seeds=8) -> dict:
    """KRR against EK and RR for each P (Λ = cutoff_factor·P; max(min_seeds, ⌈samples/P⌉) seeds).
    Returns arrays: P, seeds, diagnostic, kappa_eff, krr_{q}, krr_{q}_stderr, ek_{q}, rr_{q} for
    q in bias, variance, loss."""
    check_int("samples", samples)
    check_int("min_seeds", min_seeds, low=2)
    rows = {}
    for P in P_values:
        P = check_int("P", P)
        cut = check_int("cutoff_factor·P", int(round(cutoff_factor * P)))
        n = max(min_seeds, -(-samples // P))
        e = krr_training_loss(P, alpha, beta, kappa, cut, range(n))
        t = theory_training_loss(P, alpha, beta, kappa, cut)
        row = {"P": P, "seeds": n, "diagnostic": t["diagnostic"], "kappa_eff": t["kappa_eff"]}
        for q in ("bias", "variance", "loss"):
            row |= {f"krr_{q}": e[q], f"krr_{q}_stderr": e[q + "_stderr"], f"ek_{q}": t[q], f"rr_{q}": t[q + "_rr"]}
        for key, val in row.items():
            rows.setdefault(key, []).append(val)
    return {key: np.asarray(v, dtype=float) for key, v in rows.items()}


KAPPAS = (40.0, _paper.KAPPA, 0.05)  # δ ≈ 0.05 (EK regime), the paper's ridge (δ ≈ 0.2-0.35), δ ≈ 3


# ------------------------------------------------------------------ real data (scikit-learn's bundled sets)

DATASETS = ("digits", "breast_cancer", "diabetes", "wine")
TARGETS = ("class", "smooth")
_CLASS = {
    "digits": "digit 3 against the rest",
    "breast_cancer": "malignant (label 0)",
    "wine": "cultivar 0",
    "diabetes": "progression above its median",
}


def real_dataset(name, target="class"):
    """(X, f): a data set bundled with scikit-learn (no download), features standardized (zero mean, unit
    variance; constant columns left at 0), and a target f on every point: ``class`` = a one-vs-rest
    indicator (digits: digit 3; breast_cancer: malignant; wine: cultivar 0; diabetes: progression above
    its median), ``smooth`` = tanh(z), z = X·w/std(X·w) for a fixed Gaussian w (seed 1): a smooth ridge
    function of the features. Needs scikit-learn (``pip install rgflow[data]``)."""
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    try:
        from sklearn import datasets
    except ImportError:  # pragma: no cover - the optional extra
        raise ImportError("real data sets need scikit-learn: pip install 'rgflow[data]'") from None
    X, lab = getattr(datasets, f"load_{name}")(return_X_y=True)
    X = np.asarray(X, dtype=float)
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    if target == "class":
        f = {"digits": lab == 3, "breast_cancer": lab == 0, "wine": lab == 0, "diabetes": lab > np.median(lab)}[
            name
        ].astype(float)
    else:
        z = X @ np.random.default_rng(1).standard_normal(X.shape[1])
        f = np.tanh(z / z.std())
    return X, f


from ._draws import SLACK, _one_blas_thread, sample_draws  # noqa: E402, F401  (shared with rgflow.network_real)


def krr_test_error(K, f, P, kappa, draws=None, seed=0, rel_se=0.02, min_draws=40, max_draws=4000, noise=0.0) -> dict:
    """Real KRR (scikit-learn ``KernelRidge(alpha=κ, kernel="precomputed")``) on P points drawn without
    replacement from the N points of the Gram matrix K, test error (1/N) Σ_i (f̂(x_i) − f_i)² over the
    whole data set, averaged over draws. ``noise`` σ² > 0: the P training labels are f_i + σ ξ_i with
    ξ_i ~ N(0, 1) drawn afresh per draw (after the points, from the same stream), the test error still
    against the clean f; σ² = 0 (default) draws no ξ (the draws are those without noise) (:func:`sample_draws`: ``draws`` of them, or with ``draws=None`` as
    many as a pilot of ``min_draws`` says are needed for a standard error below ``rel_se`` of the mean, at
    most ``max_draws``). Returns mean, stderr, draws."""
    from sklearn.kernel_ridge import KernelRidge

    N = len(f)
    P = check_int("P", P)
    if P > N:
        raise ValueError(f"P must be an integer in [1, N = {N}], got {P}")
    sigma = float(np.sqrt(check_real("noise", noise, low=0.0)))

    def one(rng):
        idx = rng.choice(N, P, replace=False)
        labels = f[idx] + sigma * rng.standard_normal(P) if sigma else f[idx]
        model = KernelRidge(alpha=kappa, kernel="precomputed").fit(K[np.ix_(idx, idx)], labels)
        return float(np.mean((model.predict(K[:, idx]) - f) ** 2))

    return sample_draws(one, seed, P, draws=draws, rel_se=rel_se, min_draws=min_draws, max_draws=max_draws)


def leverage_spread(eigenvalues, u2, P, kappa) -> float:
    """Coefficient of variation sd(h)/mean(h) of the leverages h_i = Σ_k L_k u_k(i)² at the renormalized
    ridge K of (P, κ) (L_k = λ_k/(λ_k + K); h = diag K_N (K_N + N K)⁻¹), from the eigenvalues λ_k of K_N/N and
    the squared entries ``u2`` (N × Λ) of its unit eigenvectors. 0 when the leverages are equal (a
    translation-invariant kernel: eigenlearning is exact); large when some points are learned far better
    than others, where the renormalized ridge misses real KRR (:data:`LEVERAGE_CV_MAX`)."""
    lam = np.asarray(eigenvalues, dtype=float)
    pos = lam > 0
    K = renormalized_ridge(lam[pos], P, kappa)
    h = u2[:, pos] @ (lam[pos] / (lam[pos] + K))
    return float(h.std() / h.mean())


#: the validated domain of the U = 0 theories on real data (calibrated on bench/real_krr_results.txt and
#: bench/real_krr_small_P_results.txt). The pointwise ridge matched KRR within 8% on all 216 points of the first
#: (KRR/pointwise in [0.958, 1.076]) with P >= 14, but missed by 9-15% below 20 points at a small ridge (wine,
#: ntk, κ = 0.02, P = 5-10: KRR/pointwise 1.09-1.15; within 2.4% at P = 20, 35). The renormalized ridge missed
#: by more than 8% on 36 of the 216 points (small ridge, unequal leverages); flagging the points where it
#: differs from the pointwise ridge by more than 6% catches 33 of them (17 false alarms); on the 166 points
#: not flagged the worst |KRR/renormalized − 1| is 0.099 (bench/leverage_domain.py: the leverage spread alone
#: does not separate them).
POINTWISE_MIN_P = 20
RENORMALIZED_VS_POINTWISE = 0.06
DOMAIN_CHECK_MAX = 2000  # the renormalized check computes the pointwise ridge (2-3 s per (κ, P) at N = 1797)

THEORIES = ("renormalized", "pointwise", "bare")  # the three U = 0 theories of real KRR (docs/theory.md §5)


def check_theories(theories) -> tuple:
    """``theories`` (a comma-separated string or a sequence of names from :data:`THEORIES`) as a tuple
    without duplicates, in the order given; ValueError otherwise."""
    names = [t.strip() for t in theories.split(",")] if isinstance(theories, str) else list(theories)
    if not names or any(t not in THEORIES for t in names):
        raise ValueError(f"theory must be a comma-separated list of {', '.join(THEORIES)}, got {theories!r}")
    return tuple(dict.fromkeys(names))


def check_comparison(N, P_values, theories) -> tuple:
    """(P values, theories) of a comparison on N data points, checked before any work: every P an integer
    in [1, N]; N ≤ 20000 (the dense spectrum, :data:`rgflow.data.MAX_DENSE`) and, with the pointwise
    theory, N ≤ 6000 (:data:`rgflow.ridge.MAX_POINTS`). ValueError naming what to change otherwise."""
    from .data import MAX_DENSE

    theories = check_theories(theories)
    N = check_int("N", N)
    if N > MAX_DENSE:
        raise ValueError(
            f"comparing with real KRR needs the dense N × N Gram matrix and its spectrum, N <= "
            f"{MAX_DENSE} points, got N = {N}: use fewer points"
        )
    if "pointwise" in theories and N > MAX_POINTS:
        raise ValueError(
            f"the pointwise theory holds a few N × N matrices and allows N <= {MAX_POINTS} points, got "
            f"N = {N}: drop pointwise from the theories (--theory renormalized,bare) or use fewer points"
        )
    Ps = [check_int("P", P) for P in np.atleast_1d(P_values).tolist()]
    if not Ps:
        raise ValueError("P_values must hold at least one value")
    for P in Ps:
        if P > N:
            raise ValueError(f"P must be an integer in [1, N = {N}] (the points of the data set), got {P}")
    return Ps, theories


@dataclass(frozen=True)
class KRRComparison(Result):
    """Result of :func:`compare_real`: ``rows``, one dict per (κ, P) (κ outer, P inner) with keys kappa, P, N,
    with KRR krr, krr_stderr, draws, then the test error of each theory under its name (renormalized,
    pointwise, bare) and, with KRR, ratio_<theory> = krr/<theory>; where a theory is outside its validated
    domain (:func:`domain_note`) also ``domain`` = "outside: ..." (then "inside" on the other rows);
    ``theories`` and the input ``params``."""

    rows: tuple
    theories: tuple
    params: dict
    method: str = "krr"

    def _data(self) -> dict:
        return {"rows": [dict(r) for r in self.rows]}

    def _columns(self) -> dict:
        return {key: [r[key] for r in self.rows] for key in (self.rows[0] if self.rows else {})}


def domain_note(P, theories, values, pointwise=None) -> str | None:
    """ "outside: ..." when a U = 0 theory of the row is outside its validated domain on real data, else None:
    the pointwise ridge below :data:`POINTWISE_MIN_P` training points; the renormalized ridge where it differs
    from the pointwise one (``pointwise``, or ``values["pointwise"]``) by more than
    :data:`RENORMALIZED_VS_POINTWISE` (a small ridge on data whose leverages are unequal, or P a large share
    of the N points: eigenlearning's draws are i.i.d.), P ≥ 20.
    ``values`` maps each theory to its test error."""
    notes = []
    if "pointwise" in theories and P < POINTWISE_MIN_P:
        notes.append(f"pointwise ridge below {POINTWISE_MIN_P} training points")
    pw = values.get("pointwise", pointwise)
    if "renormalized" in theories and pw is not None and P >= POINTWISE_MIN_P:
        d = values["renormalized"] / pw - 1.0
        if abs(d) > RENORMALIZED_VS_POINTWISE:
            notes.append(
                f"renormalized ridge: it differs from the pointwise ridge by {d:+.0%} (a small ridge with unequal "
                "leverages, or P a large share of the N points)"
            )
    return "outside: " + "; ".join(notes) if notes else None


def compare_real(
    K,
    f,
    P_values,
    kappas,
    theories=THEORIES,
    *,
    krr=True,
    seed=0,
    spectrum=None,
    params=None,
    on_step=None,
    network=None,
    noise=0.0,
    neighbours="auto",
    **krr_options,
) -> KRRComparison:
    """Real KRR (:func:`krr_test_error`) against the U = 0 theories on one data set of N points, for every
    (κ, P) in ``kappas`` × ``P_values``.

    Theories (docs/theory.md §5): ``renormalized`` (eigenlearning on the spectrum of all N points,
    E_test = Σ_k (1 − L_k)² y_k²/(1 − γ)), ``bare`` (r = P/κ: Σ_k y_k²/(1 + rλ_k)²), both by
    :func:`rgflow.ridge.ridge_errors`, and ``pointwise`` (one renormalized ridge per data point on the Gram
    matrix, :func:`rgflow.ridge.pointwise_errors`; N ≤ 6000). The spectrum is λ_k = eig(K/N), y_k = u_k·f/√N
    (:func:`rgflow.data.spectrum_from_gram`, or the given ``spectrum`` = (λ, y)); the target power of
    numerically zero modes it drops is unlearnable and enters as the residual ε² of ``ridge_errors``.

    Where a theory is outside its validated domain (:func:`domain_note`; the renormalized check computes the
    pointwise ridge when N ≤ 2000 even if it is not asked for) the row gets ``domain`` = "outside: ..." and a
    RuntimeWarning is issued.

    Parameters
    ----------
    K : (N, N) array, the Gram matrix of the whole data set;  f : (N,) array, the target on every point
    P_values : integers in [1, N];  kappas : ridges κ > 0 (as in ``KernelRidge(alpha=κ)``)
    theories : names from :data:`THEORIES` (or a comma-separated string)
    krr : also run real KRR (``krr_options`` go to :func:`krr_test_error`; its draws depend on ``seed`` and P)
    params : the input parameters to stamp on the result;  on_step : called as on_step(what) after each (κ, P)
    network : None, or a dict with ``width`` (and optionally ``depth``, ``parameterization``): then the trained
        model is the finite-width network (docs/networks_real.md): ``krr`` is the exact network's test error
        (:func:`rgflow.network_real.network_test_error`, the same draws of X) and each theory is its network
        counterpart (:func:`rgflow.network_real.network_theory`)
    noise : σ² ≥ 0, label noise: KRR trains on f + σξ (ξ ~ N(0, 1) per training point and draw) and its test
        error is measured against the clean f; every theory adds its noise term (renormalized σ²γ/(1 − γ),
        pointwise its per-point analogue, bare 0; :func:`rgflow.ridge.noisy_error`). With ``network`` the exact
        network trains on the same noisy labels (:func:`rgflow.network_real.network_test_error`) and each network
        theory adds its noise terms (:func:`rgflow.network_real.network_theory`, docs/networks_real.md).
    neighbours : the pointwise theory's neighbour clusters ("auto" or m ≥ 0; 0 the plain pointwise ridge),
        :func:`rgflow.ridge.pointwise_errors`

    Returns
    -------
    KRRComparison
    """
    from .data import MAX_DENSE, spectrum_from_gram
    from .ridge import check_gram, check_target_values, pointwise_errors

    K = check_gram(K, MAX_DENSE, hint="the spectrum and KRR's predictions need the dense Gram matrix")
    N = K.shape[0]
    f = check_target_values(f, N)
    if not np.any(f):  # every error would be 0 and the ratios KRR/theory 0/0
        raise ValueError(
            "f (the target) must not be zero on every point: there is nothing to learn and the "
            "ratios of the errors are undefined"
        )
    Ps, theories = check_comparison(N, P_values, theories)
    from ._cluster import check_neighbours

    neighbours = check_neighbours(neighbours)
    noise = check_real("noise", noise, low=0.0)
    if noise:
        krr_options = {**krr_options, "noise": noise}
    kappas = [check_real("kappa", k, low=0, low_open=True) for k in np.atleast_1d(kappas).tolist()]
    if not kappas:
        raise ValueError("kappas must hold at least one value")
    net = None
    if network is not None:
        from .network_real import check_network_spec

        net = dict(
            zip(
                ("width", "depth", "parameterization"),
                check_network_spec(
                    network["width"], network.get("depth", 1), network.get("parameterization", "standard")
                ),
            )
        )
    residual = 0.0
    if spectrum is None and ({"renormalized", "bare"} & set(theories) or (net and theories)):
        spectrum = spectrum_from_gram(K, f)
        residual = spectrum.meta["dropped_power"] if spectrum.meta["dropped_modes"] else 0.0
    rows = []
    for kappa in kappas:
        for P in Ps:
            row = {"kappa": kappa, "P": P, "N": N}
            if krr:
                if net is None:
                    e = krr_test_error(K, f, P, kappa, seed=seed, **krr_options)
                else:
                    from .network_real import network_test_error

                    e = network_test_error(K, f, P, kappa, **net, seed=seed, **krr_options)
                row.update(krr=e["mean"], krr_stderr=e["stderr"], draws=e["draws"])
            for name in theories:
                if net is not None:
                    from .network_real import network_theory

                    row[name] = network_theory(
                        *spectrum,
                        P,
                        kappa,
                        **net,
                        ridge=name,
                        residual=residual,
                        gram=K,
                        values=f,
                        noise=noise,
                        neighbours=neighbours,
                        at_mode=False,  # only test_error is reported
                    ).test_error
                    continue
                row[name] = (
                    pointwise_errors(K, f, P, kappa, noise=noise, neighbours=neighbours).test_error
                    if name == "pointwise"
                    else ridge_errors(*spectrum, P, kappa, name, residual=residual, noise=noise).test_error
                )
            if krr:
                row.update({f"ratio_{name}": row["krr"] / row[name] for name in theories})
            if net is None:
                pw = None
                if (
                    "renormalized" in theories
                    and "pointwise" not in theories
                    and N <= DOMAIN_CHECK_MAX
                    and P >= POINTWISE_MIN_P
                ):
                    try:  # the plain pointwise ridge, as the rule was calibrated
                        pw = pointwise_errors(K, f, P, kappa, noise=noise, neighbours=0).test_error
                    except FloatingPointError:  # the check is skipped, the comparison stands
                        pw = None
                note = domain_note(P, theories, row, pw)
                if note is not None:
                    import warnings

                    row["domain"] = note
                    warnings.warn(f"kappa = {kappa:g}, P = {P}: {note}", RuntimeWarning, stacklevel=2)
            rows.append(row)
            if on_step is not None:
                on_step(f"kappa={kappa:g} P={P}")
    if any("domain" in row for row in rows):  # one column for every row (CSV)
        for row in rows:
            row.setdefault("domain", "inside")
    return KRRComparison(tuple(rows), theories, dict(params or {}))


def validate_real(
    dataset,
    kernel,
    target,
    kappas=(1.0, 0.1, 0.01),
    P_fractions=(0.025, 0.05, 0.1, 0.2),
    seed=0,
    spectrum=None,
    pointwise=True,
    **kw,
) -> list:
    """Real KRR against the U = 0 theory on the spectrum of all N points (``rgflow.data``): one row per
    (κ, P) with keys dataset, kernel, target, N, kappa, P, krr, krr_stderr, draws, renormalized, bare
    (the predicted test errors, ``rgflow.ridge``) and the ratios ratio_renormalized = KRR/renormalized,
    ratio_bare = KRR/bare; with ``pointwise`` also the per-point renormalized ridge on the Gram matrix
    (:func:`rgflow.ridge.pointwise_errors`): pointwise, ratio_pointwise. P = max(2, ⌊fraction·N⌋);
    :func:`compare_real` computes the rows, ``kw`` goes to :func:`krr_test_error`."""
    from .data import kernel_matrix

    X, f = real_dataset(dataset, target)
    K = kernel_matrix(X, kernel=kernel)
    N = len(f)
    Ps = [max(2, int(frac * N)) for frac in P_fractions]
    theories = ("renormalized", "bare", "pointwise") if pointwise else ("renormalized", "bare")
    res = compare_real(K, f, Ps, kappas, theories, seed=seed, spectrum=spectrum, **kw)
    return [{"dataset": dataset, "kernel": kernel, "target": target, **row} for row in res.rows]


def gaussian_feature_krr(eigenvalues, target, P, kappa, draws=60, seed=0) -> dict:
    """Real KRR on Gaussian features with a given spectrum: the universality assumption of eigenlearning.

    Each draw takes P points with features g_i ~ N(0, I_Λ), kernel K(x, x') = Σ_k λ_k g_k g'_k, target
    f(x) = Σ_k y_k g_k (so E[φ_k φ_q] = δ_kq exactly), solves a = (K_PP + κI)⁻¹ f_P and returns the
    population test error Σ_k (y_k − λ_k (Gᵀa)_k)² averaged over ``draws``: mean, stderr, draws. Where it
    matches the renormalized ridge but real KRR on the same spectrum does not, the spectrum and the
    formula are right and the data's eigenfunctions are not Gaussian-like (:func:`eigenvector_kurtosis`).
    """
    from .ridge import check_spectrum

    lam, y = check_spectrum(eigenvalues, target)
    P = check_int("P", P)
    draws = check_int("draws", draws, low=2)
    kappa = float(kappa)
    rng = np.random.default_rng([check_int("seed", seed, low=0), P])
    errs = np.empty(draws)
    for i in range(draws):
        G = rng.standard_normal((P, lam.size))
        a = np.linalg.solve((G * lam) @ G.T + kappa * np.eye(P), G @ y)
        errs[i] = float(np.sum((y - lam * (G.T @ a)) ** 2))
    return {"mean": float(errs.mean()), "stderr": float(errs.std(ddof=1) / np.sqrt(draws)), "draws": draws}


def eigenvector_kurtosis(K, n_modes) -> np.ndarray:
    """N Σ_i u_k(i)⁴ of the unit eigenvectors u_k of the Gram matrix K (descending eigenvalues), k = 1..n_modes:
    3 for Gaussian-like (delocalized) eigenfunctions √N u_k, up to N for one localized on a single point."""
    K = np.asarray(K, dtype=float)
    N = K.shape[0]
    _, U = np.linalg.eigh(K)
    U = U[:, ::-1][:, : check_int("n_modes", n_modes)]
    return N * np.sum(U**4, axis=0)
