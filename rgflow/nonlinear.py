"""One hidden nonlinear layer: sampled weights against kernel renormalization (issue 23, items 3 and 4).

The network (``standard`` parameterization of docs/theory.md §6, one hidden layer, nonlinear):

    f(x) = Σ_{c=1..N} a_c φ(w_c·u),   u = x/√d,   w_c ~ N(0, I_d),   a_c ~ N(0, 1/N),

trained to its Bayesian posterior at temperature T = κ (Langevin with weight decay equal to the prior):
p(θ | data) ∝ prior(θ) · exp(−Σ_μ (Y_μ − f(x_μ))²/(2T)). Activations: ``erf``, ``relu``, and two whose
channel outputs are exactly Gaussian, used to test the machinery: ``linear`` φ(h) = h and ``affine``
φ(h) = h + 1 (a Gaussian channel with a non-zero mean, the structure of ReLU's mean mode).

NNGP kernel and mean (closed forms, w ~ N(0, I_d), h = w·u ~ N(0, |u|²)):

    erf:    K(x, x') = (2/π) arcsin( 2u·u' / √((1 + 2|u|²)(1 + 2|u'|²)) ),        m(x) = 0
    relu:   K(x, x') = |u||u'| (sin θ + (π − θ) cos θ)/(2π), cos θ = u·u'/(|u||u'|),  m(x) = |u|/√(2π)
    linear: K = u·u', m = 0;           affine: K = u·u' + 1, m = 1.

Kernel renormalization (the theory). Write the channel outputs on the data as v_c = m + ṽ_c. If the ṽ_c
are replaced by Gaussian vectors with covariance K̃ = K − m mᵀ (Gaussian equivalence; exact for
``linear`` and ``affine``), then with σ = Σ_c a_c ~ N(0, 1) and |a|² = σ²/N + Q_⊥, Q_⊥ ~ χ²_{N−1}/N
independent of σ, the network is exactly the mixture

    f | (σ, Q) ~ σ m + GP(0, Q K̃),   Q = Q_⊥ + σ²/N,
    p(σ, Q_⊥ | Y) ∝ N(σ; 0, 1) p_{χ²_{N−1}/N}(Q_⊥) N(Y; σ m_X, Q K̃_XX + T I),

and for m = 0 one scalar, Q = |a|² ~ χ²_N/N: p(Q | Y) ∝ p(Q) N(Y; 0, Q K_XX + T I) (docs/theory.md §6 with the
NNGP kernel). ``method="mixture"`` integrates this posterior on a grid; ``method="saddle"`` is its
large-N saddle point (Pacelli et al., Nat. Mach. Intell. 5, 1497 (2023), in the proportional regime):
with C = T I + Q̄ K̃_XX + Q̄₀ m_X m_Xᵀ,

    u  = (1/N) [ tr(C⁻¹ K̃) − Yᵀ C⁻¹ K̃ C⁻¹ Y ],       Q̄₀ = 1/(1 + u),
    Q̄  = Q̄₀ − (Q̄₀²/N) [ m_Xᵀ C⁻¹ m_X − (m_Xᵀ C⁻¹ Y)² ],

the predictor f̂(x) = (Q̄ K̃(x, X) + Q̄₀ m(x) m_Xᵀ) C⁻¹ Y: one scalar Q̄ = Q̄₀ for odd φ (Pacelli's), a second
Q̄₀ for the mean mode. Derivation: E_a exp(i tᵀf) = (1 + s/N)^{−N/2} exp(−(tᵀm)²/(2(1 + s/N))),
s = tᵀK̃t; introduce u = s/N with its conjugate Q̄/2 and take the saddle (docs/nonlinear.md).
``method="gp"`` is N = ∞ (Q̄ = Q̄₀ = 1, the NNGP posterior mean).

The sampler (:func:`sample_posterior`): Hamiltonian Monte Carlo on the hidden weights W with the readout
integrated out exactly (given W, f is a GP with kernel Φ Φᵀ/N, Φ = φ(U Wᵀ)):

    log p(W | Y) = −|W|²/2 − ½ ln det C_W − ½ Yᵀ C_W⁻¹ Y + const,   C_W = Φ Φᵀ/N + T I,

gradient ∂/∂Φ = (α αᵀ − C_W⁻¹) Φ/N with α = C_W⁻¹ Y, then ⊙ φ'(U Wᵀ) and ·U. Every kept draw contributes the
Rao-Blackwellized predictor E[f(x) | W, Y] = φ(W u(x))ᵀ Φᵀ α/N and E[|a|² | W, Y] = |Φᵀα|²/N² + 1 − (P − T tr C_W⁻¹)/N.
The step size is tuned during burn-in only (target acceptance 0.75), then fixed, so the kept chain is exact
HMC (Metropolis-corrected). Error bars: batch means over ``chains`` × ``batches`` batches.

Finite data as a coupling (:func:`replica_ridge`, derived in derivations/finite_data.py): averaging the
replicated likelihood over Gaussian-feature inputs gives the coupling (P/2) ln det(I + M/κ) in the replica
overlaps M_ab = Σ_k Δ_k^a Δ_k^b; its replica-symmetric saddle is

    r = P/(κ + χ),  χ = Σ_k λ_k/(1 + rλ_k)    (K = 1/r: the renormalized ridge of docs/theory.md §5),
    q₀ = Σ_k (1 − L_k)² y_k² + γ q₀           (the off-diagonal overlap: E_test = q₀ = B/(1 − γ)).
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

from ._checks import check_int, check_real

__all__ = [
    "ACTIVATIONS",
    "NONLINEAR_THEORIES",
    "nngp_kernel",
    "nngp_mean",
    "activation",
    "network_output",
    "sample_posterior",
    "NetworkSamples",
    "kernel_renormalization",
    "Renormalization",
    "replica_ridge",
    "ReplicaRidge",
    "replica_network",
    "ReplicaNetwork",
]

ACTIVATIONS = ("erf", "relu", "linear", "affine")
NONLINEAR_THEORIES = ("mixture", "saddle", "gp")
_SQRT2PI = math.sqrt(2.0 * math.pi)


def _check_activation(act):
    if act not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {act!r}")
    return act


def _check_inputs(X, name="X"):
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D array of numbers (points × features)") from None
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array (points × features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    return X


def activation(h, act):
    """(φ(h), φ'(h)) for the activation ``act`` (elementwise)."""
    _check_activation(act)
    if act == "erf":
        from scipy.special import erf

        return erf(h), (2.0 / math.sqrt(math.pi)) * np.exp(-h * h)
    if act == "relu":
        return np.maximum(h, 0.0), (h > 0).astype(float)
    if act == "linear":
        return h, np.ones_like(h)
    return h + 1.0, np.ones_like(h)


def nngp_mean(X, act) -> np.ndarray:
    """m(x) = E_w φ(w·x/√d): 0 (erf, linear), |u|/√(2π) (relu), 1 (affine)."""
    X = _check_inputs(X)
    _check_activation(act)
    if act == "relu":
        return np.linalg.norm(X, axis=1) / math.sqrt(X.shape[1]) / _SQRT2PI
    if act == "affine":
        return np.ones(X.shape[0])
    return np.zeros(X.shape[0])


def nngp_kernel(X, Z=None, act="erf") -> np.ndarray:
    """NNGP kernel K(x, z) = E_w φ(w·x/√d) φ(w·z/√d), w ~ N(0, I_d), in closed form (module docstring).

    Parameters
    ----------
    X, Z : arrays (n, d) and (m, d) of inputs (Z defaults to X)
    act : one of :data:`ACTIVATIONS`

    Returns
    -------
    (n, m) array
    """
    X = _check_inputs(X)
    Z = X if Z is None else _check_inputs(Z, "Z")
    if Z.shape[1] != X.shape[1]:
        raise ValueError(f"Z must have the d = {X.shape[1]} features of X, got {Z.shape[1]}")
    _check_activation(act)
    d = X.shape[1]
    G = X @ Z.T / d
    nx = np.einsum("ij,ij->i", X, X) / d
    nz = np.einsum("ij,ij->i", Z, Z) / d
    if act == "erf":
        s = 2.0 * G / np.sqrt(np.outer(1.0 + 2.0 * nx, 1.0 + 2.0 * nz))
        return (2.0 / math.pi) * np.arcsin(np.clip(s, -1.0, 1.0))
    if act == "relu":
        norm = np.sqrt(np.outer(nx, nz))
        c = np.divide(G, norm, out=np.zeros_like(G), where=norm > 0)
        c = np.clip(c, -1.0, 1.0)
        th = np.arccos(c)
        return norm * (np.sqrt(1.0 - c * c) + (math.pi - th) * c) / (2.0 * math.pi)
    if act == "linear":
        return G
    return G + 1.0


def network_output(X, W, a, act) -> np.ndarray:
    """f(x) = Σ_c a_c φ(w_c·x/√d) for the rows x of X (W: (N, d), a: (N,))."""
    X = _check_inputs(X)
    return activation(X @ np.asarray(W, float).T / math.sqrt(X.shape[1]), act)[0] @ np.asarray(a, float)


# ------------------------------------------------------------------------------------------ sampler


class NetworkSamples(NamedTuple):
    """Result of :func:`sample_posterior`: posterior mean predictor ``mean`` at X_test with batch-means
    ``stderr``, the ``batch_means`` (batches × n_test) themselves, E|a|² as ``Q`` ± ``Q_stderr``, the HMC
    ``acceptance`` (kept part), the tuned ``step`` size per chain, and ``draws`` kept per chain."""

    mean: np.ndarray
    stderr: np.ndarray
    batch_means: np.ndarray
    Q: float
    Q_stderr: float
    acceptance: float
    step: np.ndarray
    draws: int


class _Target:
    """log p(W | Y) with the readout integrated out, its gradient and the Rao-Blackwellized observables."""

    def __init__(self, U, Y, N, T, act):
        self.U, self.Y, self.N, self.T, self.act = U, Y, N, T, act
        self.P = U.shape[0]

    def __call__(self, W, grad=True):
        from scipy.linalg import cho_factor, cho_solve

        H = self.U @ W.T
        Phi, dPhi = activation(H, self.act)
        C = Phi @ Phi.T / self.N
        C[np.diag_indices_from(C)] += self.T
        cf = cho_factor(C, lower=True)
        alpha = cho_solve(cf, self.Y)
        logdet = 2.0 * np.sum(np.log(np.diag(cf[0])))
        logp = -0.5 * np.sum(W * W) - 0.5 * logdet - 0.5 * float(self.Y @ alpha)
        if not grad:
            return logp, None, (Phi, alpha, cf)
        Cinv = cho_solve(cf, np.eye(self.P))
        aPhi = alpha @ Phi
        G = (np.outer(alpha, aPhi) - Cinv @ Phi) / self.N
        g = (G * dPhi).T @ self.U - W
        return logp, g, (Phi, alpha, Cinv)


def sample_posterior(
    X,
    Y,
    width,
    kappa,
    act="erf",
    X_test=None,
    *,
    samples=400,
    burn=200,
    chains=4,
    batches=5,
    leapfrog=12,
    thin=2,
    seed=0,
) -> NetworkSamples:
    """Sample the Bayesian posterior of the one-hidden-layer network's weights (HMC, readout integrated out).

    Parameters
    ----------
    X : (P, d) training inputs;  Y : (P,) training targets
    width : N ≥ 1 hidden units;  kappa : temperature T = κ > 0 (standard parameterization)
    act : activation, one of :data:`ACTIVATIONS`
    X_test : (n, d) inputs where the posterior mean predictor is reported (default X)
    samples, burn : HMC trajectories kept and discarded (step-size tuning) per chain
    chains, batches : independent chains (from the prior) and batches per chain for the batch means
    leapfrog : mean number of leapfrog steps per trajectory (drawn uniformly in [leapfrog/2, 3 leapfrog/2])
    thin : the predictor is recorded every ``thin``-th trajectory
    seed : seed of numpy's default_rng

    Returns
    -------
    NetworkSamples

    Raises
    ------
    ValueError on bad input; FloatingPointError if a chain produces a non-finite state.
    """
    X = _check_inputs(X)
    P, d = X.shape
    try:
        Y = np.asarray(Y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("Y must be a 1-D array of P targets") from None
    if Y.shape != (P,) or not np.all(np.isfinite(Y)):
        raise ValueError(f"Y must be a finite 1-D array with one target per row of X ({P})")
    N = check_int("width", width)
    T = check_real("kappa", kappa, low=0.0, low_open=True)
    _check_activation(act)
    Xt = X if X_test is None else _check_inputs(X_test, "X_test")
    if Xt.shape[1] != d:
        raise ValueError(f"X_test must have the d = {d} features of X, got {Xt.shape[1]}")
    samples = check_int("samples", samples)
    burn = check_int("burn", burn, low=0)
    chains = check_int("chains", chains)
    batches = check_int("batches", batches)
    leapfrog = check_int("leapfrog", leapfrog)
    thin = check_int("thin", thin)
    seed = check_int("seed", seed, low=0)
    kept = samples // thin
    if kept < batches:
        raise ValueError(f"samples // thin = {kept} must be >= batches = {batches}")
    per = kept // batches
    U = X / math.sqrt(d)
    Ut = Xt / math.sqrt(d)
    target = _Target(U, Y, N, T, act)
    rng = np.random.default_rng(seed)
    bm = np.zeros((chains, batches, Xt.shape[0]))
    bq = np.zeros((chains, batches))
    steps = np.zeros(chains)
    acc_kept = []
    for ch in range(chains):
        W = rng.standard_normal((N, d))
        lp, g, aux = target(W)
        eps = 0.5 / math.sqrt(1.0 + P * d / N)
        log_eps_bar, h_bar = 0.0, 0.0
        n_rec = 0
        for it in range(burn + samples):
            n_leap = int(rng.integers(max(1, leapfrog // 2), leapfrog + leapfrog // 2 + 1))
            e = eps * rng.uniform(0.8, 1.2)
            p0 = rng.standard_normal(W.shape)
            Wn, p = W, p0 + 0.5 * e * g
            ok = True
            for j in range(n_leap):
                Wn = Wn + e * p
                try:
                    lpn, gn, auxn = target(Wn)
                except np.linalg.LinAlgError:
                    ok = False
                    break
                if j < n_leap - 1:
                    p = p + e * gn
            if ok:
                p = p + 0.5 * e * gn
                logr = lpn - lp - 0.5 * (np.sum(p * p) - np.sum(p0 * p0))
                a_prob = 1.0 if logr >= 0 else (math.exp(logr) if np.isfinite(logr) else 0.0)
            else:
                a_prob = 0.0
            if rng.uniform() < a_prob:
                W, lp, g, aux = Wn, lpn, gn, auxn
            if it < burn:  # dual averaging of the step size (Hoffman & Gelman), burn-in only
                m = it + 1
                h_bar = (1 - 1 / (m + 10)) * h_bar + (0.75 - a_prob) / (m + 10)
                log_eps = math.log(0.5 / math.sqrt(1.0 + P * d / N)) - math.sqrt(m) / 0.05 * h_bar
                eta = m**-0.75
                log_eps_bar = eta * log_eps + (1 - eta) * log_eps_bar
                eps = math.exp(log_eps)
                if it == burn - 1:
                    eps = math.exp(log_eps_bar)
                continue
            acc_kept.append(a_prob)
            if (it - burn) % thin or n_rec >= per * batches:
                continue
            Phi, alpha, Cinv = aux
            w = Phi.T @ alpha / N
            pred = activation(Ut @ W.T, act)[0] @ w
            q = float(w @ w) + 1.0 - (P - T * np.trace(Cinv)) / N
            b = n_rec // per
            bm[ch, b] += pred / per
            bq[ch, b] += q / per
            n_rec += 1
        if not np.all(np.isfinite(bm[ch])):
            raise FloatingPointError(f"sample_posterior: non-finite predictor in chain {ch}")
        steps[ch] = eps
    B = bm.reshape(chains * batches, -1)
    nb = B.shape[0]
    mean = B.mean(axis=0)
    se = B.std(axis=0, ddof=1) / math.sqrt(nb) if nb > 1 else np.full(mean.shape, np.nan)
    q = bq.ravel()
    acc = float(np.mean(acc_kept))
    if acc < 0.3:
        warnings.warn(
            f"sample_posterior: HMC acceptance {acc:.2f} is low; the error bars may be too small",
            RuntimeWarning,
            stacklevel=2,
        )
    return NetworkSamples(
        mean,
        se,
        B,
        float(q.mean()),
        float(q.std(ddof=1) / math.sqrt(nb)) if nb > 1 else math.nan,
        acc,
        steps,
        per * batches,
    )


# ------------------------------------------------------------------------------------------ theory


class Renormalization(NamedTuple):
    """Result of :func:`kernel_renormalization`: the ``predictor`` at X_test, the kernel scalars ``Q``
    (E[Q | Y] for the mixture, Q̄ for the saddle, 1 for gp) and ``Q0`` (the mean mode's: E[σ²]... see
    below; equal to ``Q`` when m = 0), the ``method`` and the ``activation``. For the mixture with a mean
    mode, ``Q0`` = E[σ | Y]/σ_GP is not defined; it is reported as the posterior E[σ²| Y] (1 in the prior)."""

    predictor: np.ndarray
    Q: float
    Q0: float
    method: str
    activation: str


def _logsumexp_weights(logw):
    logw = logw - np.max(logw)
    w = np.exp(logw)
    return w / w.sum()


def _grid_1d(fun, t0, scale, n=801, span=14.0, max_widen=8):
    """Grid in t around t0 wide enough that fun (a log density) falls by ≥ 40 at both ends."""
    for _ in range(max_widen):
        t = t0 + np.linspace(-span, span, n) * scale
        lw = fun(t)
        if lw[0] < lw.max() - 40 and lw[-1] < lw.max() - 40:
            return t, lw
        span *= 2.0
    raise FloatingPointError("kernel_renormalization: the posterior of Q does not fall off on the grid")


def kernel_renormalization(X, Y, width, kappa, act="erf", X_test=None, method="mixture") -> Renormalization:
    """The kernel-renormalization prediction of the posterior mean predictor (module docstring).

    Parameters
    ----------
    X, Y : (P, d) training inputs and (P,) targets
    width : N (≥ 2 when the activation has a mean mode)
    kappa : temperature T = κ > 0
    act : one of :data:`ACTIVATIONS`
    X_test : where to predict (default X)
    method : ``mixture`` (integral over the scalars of the Gaussian-equivalent network), ``saddle``
        (Pacelli et al.'s large-N saddle point, with Q̄₀ for the mean mode) or ``gp`` (N = ∞)

    Returns
    -------
    Renormalization
    """
    X = _check_inputs(X)
    P, d = X.shape
    Y = np.asarray(Y, dtype=float)
    if Y.shape != (P,) or not np.all(np.isfinite(Y)):
        raise ValueError(f"Y must be a finite 1-D array with one target per row of X ({P})")
    N = check_int("width", width)
    T = check_real("kappa", kappa, low=0.0, low_open=True)
    _check_activation(act)
    if method not in NONLINEAR_THEORIES:
        raise ValueError(f"method must be one of {', '.join(NONLINEAR_THEORIES)}, got {method!r}")
    Xt = X if X_test is None else _check_inputs(X_test, "X_test")
    mX, mt = nngp_mean(X, act), nngp_mean(Xt, act)
    Kt = nngp_kernel(X, act=act) - np.outer(mX, mX)
    Ks = nngp_kernel(Xt, X, act=act) - np.outer(mt, mX)
    e, V = np.linalg.eigh((Kt + Kt.T) / 2)
    e = np.clip(e, 0.0, None)
    z, zm = V.T @ Y, V.T @ mX
    KsV = Ks @ V
    has_mean = bool(np.any(mX != 0))
    if method == "gp":
        return Renormalization(_predict(KsV, mt, e, z, zm, 1.0, 1.0, T), 1.0, 1.0, "gp", act)
    if method == "saddle":
        Q, Q0 = _saddle(e, z, zm, N, T, has_mean)
        return Renormalization(_predict(KsV, mt, e, z, zm, Q, Q0, T), Q, Q0, "saddle", act)
    if not has_mean:

        def logp(t):  # density of t = ln Q: Q^{N/2} e^{−NQ/2} N(Y; 0, Q K + T)
            Q = np.exp(t)[:, None]
            D = Q * e + T
            return (N / 2) * t - N * Q[:, 0] / 2 - 0.5 * np.sum(np.log(D) + z * z / D, axis=1)

        tg = np.linspace(-12, 6, 2000)
        t0 = tg[np.argmax(logp(tg))]
        t, lw = _grid_1d(logp, t0, 1.0 / math.sqrt(N / 2 + 1))
        w = _logsumexp_weights(lw)
        Q = np.exp(t)
        coef = (w[:, None] * (Q[:, None] / (Q[:, None] * e + T))).sum(axis=0) * z
        EQ = float(w @ Q)
        return Renormalization(KsV @ coef, EQ, EQ, "mixture", act)
    if N < 2:
        raise ValueError(f"width must be >= 2 for an activation with a mean mode ({act}), got {N}")
    return _mixture_2d(KsV, mt, e, z, zm, N, T, act)


def _predict(KsV, mt, e, z, zm, Q, Q0, T):
    """(Q K̃(x,X) + Q₀ m(x) m_Xᵀ) C⁻¹ Y with C = T + Q K̃ + Q₀ m mᵀ, in K̃'s eigenbasis (Sherman–Morrison)."""
    D = Q * e + T
    a, b = z / D, zm / D
    c = a - b * (Q0 * float(zm @ a) / (1.0 + Q0 * float(zm @ b)))  # Vᵀ C⁻¹ Y
    return Q * (KsV @ c) + Q0 * mt * float(zm @ c)


def _saddle(e, z, zm, N, T, has_mean):
    """Q̄ (and Q̄₀) of the saddle-point equations (module docstring)."""
    from scipy.optimize import brentq, root

    def F(Q, Q0):
        D = Q * e + T
        a, b = z / D, zm / D
        s = 1.0 + Q0 * float(zm @ b)
        c = a - b * (Q0 * float(zm @ a) / s)  # C⁻¹Y
        diagCinv = 1.0 / D - Q0 * b * b / s  # diag of C⁻¹ in the eigenbasis
        u = (float(e @ diagCinv) - float(e @ (c * c))) / N
        mCm = float(zm @ b) / s
        mCy = float(zm @ c)
        return u, Q0 - Q0 * Q0 / N * (mCm - mCy * mCy)

    def g1(t):  # m = 0: Q = 1/(1 + u(Q)), as an equation in ln Q
        Q = math.exp(t)
        return 1.0 / Q - 1.0 - F(Q, 0.0)[0]

    def action(t):
        Q = np.exp(t)[:, None]
        D = Q * e + T
        return (N / 2) * (Q[:, 0] - t) + 0.5 * np.sum(np.log(D) + z * z / D, axis=1)

    tg = np.linspace(-14, 6, 4001)  # the global minimum of the one-scalar action, then its root
    i = int(np.argmin(action(tg)))
    lo, hi = tg[max(i - 1, 0)], tg[min(i + 1, len(tg) - 1)]
    if g1(lo) * g1(hi) > 0:
        raise FloatingPointError("kernel_renormalization: no saddle point of Q bracketed")
    Q = math.exp(brentq(g1, lo, hi, xtol=1e-14))
    if not has_mean:
        return Q, Q

    def eqs(v):
        Qb, Q0 = np.exp(v)
        u, Qnew = F(Qb, Q0)
        # 1 + u ≤ 0 has no positive Q0 = 1/(1 + u): a large residual there turns the root finder back
        return [math.log(Q0) + math.log(max(1.0 + u, 1e-300)), math.log(Qb) - math.log(max(Qnew, 1e-300))]

    for start, how in (([math.log(Q)] * 2, "hybr"), ([math.log(Q)] * 2, "lm"), ([0.0, 0.0], "lm")):
        sol = root(eqs, start, method=how, options={"xtol": 1e-13})
        if max(abs(x) for x in eqs(sol.x)) <= 1e-9:
            break
    if max(abs(x) for x in eqs(sol.x)) > 1e-9:
        raise FloatingPointError(f"kernel_renormalization: the two-scalar saddle did not converge ({sol.message})")
    Qb, Q0 = np.exp(sol.x)
    return float(Qb), float(Q0)


def _mixture_2d(KsV, mt, e, z, zm, N, T, act, n=161):
    """E over p(σ, Q_⊥ | Y) (module docstring) on a grid in (σ, ln Q_⊥) centred on the mode."""
    from scipy.optimize import minimize

    def logp(t, s):  # t = ln Q_⊥ (Jacobian included), s = σ; broadcast arrays
        Qp = np.exp(t)
        q = (Qp + s * s / N)[..., None]
        D = q * e + T
        r = z - s[..., None] * zm
        return ((N - 1) / 2) * t - N * Qp / 2 - s * s / 2 - 0.5 * np.sum(np.log(D) + r * r / D, axis=-1)

    f = lambda v: -float(logp(np.array(v[0]), np.array(v[1])))  # noqa: E731
    best = None
    for s0 in (0.0, 1.0, -1.0, 3.0, -3.0):
        res = minimize(f, [0.0, s0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
        if best is None or res.fun < best.fun:
            best = res
    t0, s0 = best.x
    h = 1e-4  # curvatures for the grid scales
    f0 = f([t0, s0])
    ct = (f([t0 + h, s0]) - 2 * f0 + f([t0 - h, s0])) / h**2
    cs = (f([t0, s0 + h]) - 2 * f0 + f([t0, s0 - h])) / h**2
    st, ss = 1.0 / math.sqrt(max(ct, 1e-6)), 1.0 / math.sqrt(max(cs, 1e-6))
    span = 12.0
    for _ in range(8):
        tt = t0 + np.linspace(-span, span, n) * st
        sg = s0 + np.linspace(-span, span, n) * ss
        Tg, Sg = np.meshgrid(tt, sg, indexing="ij")
        lw = logp(Tg, Sg)
        mx = lw.max()
        edge = max(lw[0].max(), lw[-1].max(), lw[:, 0].max(), lw[:, -1].max())
        if edge < mx - 40:
            break
        span *= 2.0
    else:
        raise FloatingPointError("kernel_renormalization: the posterior of (σ, Q) does not fall off on the grid")
    w = _logsumexp_weights(lw.ravel())
    s = Sg.ravel()
    q = np.exp(Tg.ravel()) + s * s / N
    coef = w @ ((q[:, None] / (q[:, None] * e + T)) * (z - s[:, None] * zm))
    pred = float(w @ s) * mt + KsV @ coef
    return Renormalization(pred, float(w @ q), float(w @ (s * s)), "mixture", act)


# ------------------------------------------------------------------------------------------ finite data


class ReplicaRidge(NamedTuple):
    """Replica-symmetric saddle of the input-averaged (finite-data) coupling: mass ``r`` (K = 1/r),
    susceptibility ``chi`` = q_d − q₀ = Σ_k λ_k/(1 + rλ_k), off-diagonal overlap ``q0`` (= the expected
    test error of the posterior mean), random-field variance ``sigma2`` = P q₀/(κ + χ)², and ``gamma``."""

    r: float
    K: float
    chi: float
    q0: float
    sigma2: float
    gamma: float


def replica_ridge(eigenvalues, target, P, kappa, *, tol=1e-14, max_iter=100000) -> ReplicaRidge:
    """Solve the replica-symmetric saddle equations of the finite-data coupling (P/2) ln det(I + M/κ).

    The equations (derived in derivations/finite_data.py), with a_k = 1/λ_k + r:

        r = P/(κ + χ),       χ = Σ_k 1/a_k,
        σ² = P q₀/(κ + χ)²,  q₀ = Σ_k (y_k²/λ_k² + σ²)/a_k²,

    solved here in their own form: r by bisection on r(κ + χ(r)) = P (monotone in r), then q₀ from the
    linear equation q₀ = B + q₀ Σ_k (λ_k/(1 + rλ_k))² r²/P. No call into :mod:`rgflow.ridge`; the test
    suite shows that K = 1/r equals :func:`rgflow.ridge.renormalized_ridge` and q₀ its E_test.

    Parameters
    ----------
    eigenvalues, target : λ_k > 0 and y_k (docs/theory.md §5 conventions)
    P, kappa : training samples and ridge (> 0)

    Returns
    -------
    ReplicaRidge
    """
    from .spectrum import check_spectrum

    lam, y = check_spectrum(eigenvalues, target)
    P = check_real("P", P, low=0.0, low_open=True)
    kappa = check_real("kappa", kappa, low=0.0, low_open=True)

    def h(lr):  # r(κ + χ(r)) − P, increasing in r
        r = math.exp(lr)
        return r * kappa + float(np.sum(r * lam / (1.0 + r * lam))) - P

    lo, hi = math.log(P / (kappa + lam.sum())), math.log(P / kappa)
    if h(lo) > 0 or h(hi) < 0:
        raise FloatingPointError("replica_ridge: the mass is not bracketed")
    from scipy.optimize import brentq

    lr = brentq(h, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
    r = math.exp(lr)
    a = 1.0 / lam + r
    chi = float(np.sum(1.0 / a))
    B = float(np.sum((y / lam) ** 2 / a**2))
    c = P / (kappa + chi) ** 2 * float(np.sum(1.0 / a**2))  # q₀ = B + c q₀ (c = γ)
    if not c < 1:
        raise FloatingPointError(f"replica_ridge: the off-diagonal overlap diverges (γ = {c!r} >= 1)")
    q0 = B / (1.0 - c)
    return ReplicaRidge(r, 1.0 / r, chi, q0, P * q0 / (kappa + chi) ** 2, c)


class ReplicaNetwork(NamedTuple):
    """Finite width on top of finite data (:func:`replica_network`): the kernel scalar ``Q`` (Q̄), and the
    replica-symmetric solution on the kernel Q̄λ_k: ``r``, ``chi``, ``q0`` (= the expected test error of the
    network's posterior mean), ``sigma2``, ``gamma``."""

    Q: float
    r: float
    chi: float
    q0: float
    sigma2: float
    gamma: float


def replica_network(eigenvalues, target, P, kappa, width) -> ReplicaNetwork:
    """Test error of the finite-width linear network of docs/theory.md §6 (L = 1, standard: Q ~ χ²_N/N, T = κ)
    trained on P random inputs: the replica-symmetric saddle of derivations/finite_data.py §6.

    Each replica carries the kernel Q̄ K; at the saddle Q_a = Q̄ (large N) and, with the finite-data saddle
    r, σ², q₀ of :func:`replica_ridge` on the spectrum Q̄λ_k, Q̄ solves

        (N/2)(1/Q̄ − 1) = Σ_k λ_k (r + Q̄λ_k r² − r² y_k² − σ²) / (2 (1 + rQ̄λ_k)²).

    N → ∞ gives Q̄ → 1 and :func:`replica_ridge`; σ² = 0 with r = P/κ gives the fixed-design saddle of
    §6 (the mixture's saddle point). Solved by bisection in ln Q̄ (the residual is evaluated with the inner
    saddle at each Q̄).

    Parameters
    ----------
    eigenvalues, target : λ_k > 0, y_k;  P, kappa : samples and ridge (> 0);  width : N ≥ 1

    Returns
    -------
    ReplicaNetwork
    """
    from scipy.optimize import brentq

    from .spectrum import check_spectrum

    lam, y = check_spectrum(eigenvalues, target)
    N = check_int("width", width)

    def inner(t):
        Q = math.exp(t)
        rs = replica_ridge(Q * lam, y, P, kappa)
        x = rs.r * Q * lam
        rhs = float(np.sum(lam * (rs.r + x * rs.r - rs.r**2 * y * y - rs.sigma2) / (2 * (1 + x) ** 2)))
        return (N / 2) * (1 / Q - 1) - rhs, rs

    f = lambda t: inner(t)[0]  # noqa: E731
    lo, hi = -1.0, 1.0
    while f(lo) < 0:
        lo -= 2.0
        if lo < -60:
            raise FloatingPointError("replica_network: Q̄ not bracketed from below")
    while f(hi) > 0:
        hi += 2.0
        if hi > 60:
            raise FloatingPointError("replica_network: Q̄ not bracketed from above")
    t = brentq(f, lo, hi, xtol=1e-14)
    rs = inner(t)[1]
    return ReplicaNetwork(math.exp(t), rs.r, rs.chi, rs.q0, rs.sigma2, rs.gamma)
