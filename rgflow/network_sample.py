"""Sampled weights of a real finite-width network on the fixed design (method ``sample``).

The network: h_0 = φ(x), h_l = W_l h_{l−1}/√N_{l−1} (N_0 = dim φ, N_l = N),
f(x) = Σ_c a_c h_{L,c}(x), W_l entries ~ N(0, 1), a_c ~ N(0, g/N), and the posterior

    p(θ | data) ∝ prior(θ) · exp(−Σ_μ (Y_μ − f(x_μ))² / (2T)),

``standard``: g = 1, T = κ; ``mean-field``: g = 1/N, T = κ/N.

Fixed design. Modes k = 1..Λ with kernel eigenvalues λ_k and target coefficients y_k become Λ
pseudo-points with features φ(x_k) = √(N_0 P λ_k) e_k, N_0 = Λ (so K = φ·φ'/N_0 has the Gram
diag(Pλ_k)), targets Y_k = √P y_k, and the discrepancy Δ_k = (Y_k − f(x_k))/√P.

This module samples the weights θ = (W_1, …, W_L, a) themselves and reports the posterior moments of
Δ_k estimated from the sampled networks' outputs. It never uses the one-scalar mixture

    ⟨Δ_k⟩ = E_{Q|Y}[ y_k / (1 + P Q λ_k / T) ],  Q = g Π_l q_l,  q_l ~ χ²_N / N,

so it is an independent check that real weights realize it.

Algorithm (Markov chain Monte Carlo on the real weights, rejection-free)
-----------------------------------------------------------------------
Write z_{l−1,k} = h_{l−1}(x_k)/√N_{l−1} and the readout that reaches layer l from above,
b_L = a, b_{l−1} = W_lᵀ b_l / √N. Then f(x_k) = b_lᵀ W_l z_{l−1,k} is linear in each layer, and
Q = |b_1|² (given b_1, f is a GP with kernel |b_1|² K). One sweep is

1. **Blocked Gibbs, one layer at a time** (l = 1..L, then a): the exact Gaussian conditional of the
   layer given all others, drawn by Matheron's rule with one Λ×Λ solve. For W_l (prior N(0, I)):

       W⁰ ~ prior,  ε ~ N(0, T I_Λ),  G = |b_l|² Zᵀ Z + T I,  α = G⁻¹ (Y − f(W⁰) − ε),
       W_l = W⁰ + b_l (Z α)ᵀ;

   for a (prior N(0, s I), s = g/N, features H = h_L): G = s Hᵀ H + T I, a = a⁰ + s H α.
   For W_1, Z = z_0 = diag(√(Pλ_k)) and G is diagonal (no solve).
2. **Scale moves** (generalized Gibbs, Liu & Sabatti 2000), one per pair of adjacent blocks. The
   map T_c: (row of W_l along b̂_l) × c, (row of W_{l−1} along b̂_{l−1}) × 1/c (for the top pair:
   a × c, row of W_L along â × 1/c) leaves f unchanged, forms the group (R₊, ·) and has Jacobian
   c^{n_up − n_dn} (n = number of entries scaled). Drawing c from p(T_c θ)|J_c| dc/c is exact:
   x = c² follows the generalized inverse Gaussian

       p(x) ∝ x^{(n_up − n_dn)/2 − 1} exp(−(A x + B/x)/2),

   A = |scaled upper row|² (N|a|²/g for a), B = |scaled lower row|².

Why this choice: the slow direction of the posterior is the scale Q. The layer updates move Q
freely when the data constrain f weakly (they redraw each layer's norm from its conditional: the
non-centred update), but when the data pin f they can trade scale between layers only by the noise
width, a random walk. The scale moves are the complementary centred update: for L = 1 the move
draws Q exactly from p(Q | a ᵀW_1), the mixture's own conditional, and in general each factor q_l
given the function. Both updates are exact conditionals, so there is no step size to tune and no
time-step bias (``acceptance`` is 1), unlike MALA/HMC whose step must shrink with the stiffest
direction (Pλ_1/T) while the scale needs long trajectories.

Estimators: plain sample averages of Δ_k and Δ_k² over the sampled networks (no Rao–Blackwellization
through the GP formula given Q, which would presuppose the mixture this method is meant to check).

Error bars: batch means. Each of ``chains`` independent chains (started from the prior, ``burn``
sweeps discarded) is cut into ``batches`` equal batches; the spread of the batch means gives the
standard error of ⟨Δ_k⟩, and Var Δ_k = ⟨Δ_k²⟩ − ⟨Δ_k⟩² gets its error by the delta method on the same
batches. ``Q_ess`` = (sample variance of Q) / (standard error of ⟨Q⟩)² is the effective number of
independent draws of the slow variable; if it is small (≲ 10 per batch) the batches are too short
for honest error bars and a ``RuntimeWarning`` says so.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ._checks import check_int, check_real

__all__ = ["sample_network", "SAMPLE_DEFAULTS"]

from ._draws import _one_blas_thread
from .model import PARAMETERIZATIONS  # noqa: E402  (one definition of the names)

#: Defaults: sweeps per chain after burn-in, burn-in sweeps per chain, chains, batches per chain.
SAMPLE_DEFAULTS = {"samples": 2000, "burn": 200, "chains": 4, "batches": 8}

#: Refuse runs whose weights (chains × entries) would exceed this many floats (~1.6 GB).
MAX_FLOATS = 200_000_000


def _design(lam, y):
    """Validated (λ, y) as float arrays: 1-D, same length, finite, λ > 0 non-increasing."""

    def as_floats(v):
        if isinstance(v, (str, bytes)):
            return None
        try:
            return np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            return None

    lam_a, y_a = as_floats(lam), as_floats(y)
    if lam_a is None or lam_a.ndim != 1 or lam_a.size < 1:
        raise ValueError(f"lam must be a 1-D array of at least one eigenvalue, got {lam!r}")
    if not np.all(np.isfinite(lam_a)) or np.any(lam_a <= 0):
        raise ValueError("lam must hold finite eigenvalues > 0")
    if np.any(np.diff(lam_a) > 0):
        raise ValueError("lam must be non-increasing (eigenvalues in descending order)")
    if y_a is None or y_a.shape != lam_a.shape:
        raise ValueError(f"y must be a 1-D array of the same length as lam ({lam_a.size}), got {y!r}")
    if not np.all(np.isfinite(y_a)):
        raise ValueError("y must hold finite target coefficients")
    return lam_a, y_a


def _check_inputs(lam, y, P, kappa, width, depth, parameterization, seed, samples, burn, chains, batches, progress):
    lam_a, y_a = _design(lam, y)
    P = check_int("P", P)
    kappa = check_real("kappa", kappa, low=0.0, low_open=True)
    N = check_int("width", width)
    L = check_int("depth", depth)
    if not isinstance(parameterization, str) or parameterization not in PARAMETERIZATIONS:
        raise ValueError(f"parameterization must be one of {PARAMETERIZATIONS}, got {parameterization!r}")
    seed = check_int("seed", seed, low=0)
    samples = check_int("samples", SAMPLE_DEFAULTS["samples"] if samples is None else samples)
    burn = check_int("burn", SAMPLE_DEFAULTS["burn"] if burn is None else burn, low=0)
    chains = check_int("chains", SAMPLE_DEFAULTS["chains"] if chains is None else chains)
    batches = check_int("batches", SAMPLE_DEFAULTS["batches"] if batches is None else batches)
    if chains * batches < 2:
        raise ValueError(f"chains × batches must be >= 2 for batch-means error bars, got {chains} × {batches}")
    if batches > samples:
        raise ValueError(f"batches must be <= samples ({samples}), got {batches}")
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be a callable progress(done, total) or None, got {progress!r}")
    Lam = lam_a.size
    floats = chains * (N * Lam + (L - 1) * N * N + N)
    if floats > MAX_FLOATS:
        raise ValueError(
            f"width, depth and chains ask for {floats:.3g} weights (chains × entries); "
            f"at most {MAX_FLOATS:.3g} are allowed"
        )
    return lam_a, y_a, P, kappa, N, L, seed, samples, burn, chains, batches


def _solve(G, r):
    """α = G⁻¹ r for a batch of symmetric positive-definite G (C, Λ, Λ), r (C, Λ)."""
    try:
        out = np.linalg.solve(G, r[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = None
    if out is None or not np.all(np.isfinite(out)):
        raise FloatingPointError(
            "a layer's conditional covariance is singular (weights overflowed or T is below round-off of the Gram)"
        )
    return out


def _gig(p, A, B, rng):
    """Exact draws of x ∝ x^{p−1} exp(−(A x + B/x)/2), one per entry of the arrays A, B > 0.

    With x = √(B/A) e^s and ω = √(AB), s has the log-concave density ∝ exp(h(s)),
    h(s) = p s − ω cosh s, mode s_m = asinh(p/ω). Rejection from the envelope exp(h(s_m)) on
    [s_L, s_R] and the tangent lines of h at s_L < s_m < s_R outside (h is concave, so they lie
    above it for any such s_L, s_R); s_L, s_R are put near h = h(s_m) − 1 (bracketing, then Newton
    from outside), where the acceptance rate is about 3/4.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # a far tail proposal (cosh = inf) is rejected
        return _gig_draw(p, A, B, rng)


def _gig_draw(p, A, B, rng):
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    omega = np.sqrt(A * B)
    if not (np.all(np.isfinite(omega)) and np.all(omega > 0)):
        raise FloatingPointError("scale move: a layer's weights vanished or overflowed")
    p = float(p)
    sm = np.arcsinh(p / omega)

    # in t = s − s_m, without cancellation: d(t) = h(s_m + t) − h(s_m), d'(t) = h'(s_m + t)
    def d(t, om=omega, m=sm):
        return p * t - 2.0 * om * np.sinh(m + 0.5 * t) * np.sinh(0.5 * t)

    def dd(t, om=omega, m=sm):
        return p - om * np.sinh(m + t)

    width = np.sqrt(2.0 / (omega * np.cosh(sm)))  # where the quadratic drops by 1
    ends = []
    for sign in (1.0, -1.0):
        # t with −1.5 ≤ d(t) ≤ −1 on this side: bracket [inside lo, outside hi] by doubling, bisect
        # while far outside or where cosh overflows, Newton near (from outside it stays outside: d is concave)
        x = sign * width
        lo, hi = np.zeros_like(sm), np.full_like(sm, np.nan)
        for _ in range(400):
            px, gx = d(x) + 1.0, dd(x)
            fin = np.isfinite(px) & np.isfinite(gx)
            ok = fin & (px <= 0) & (px >= -0.5) & (sign * x > 0) & (sign * gx < 0)
            if ok.all():
                break
            ins = fin & (px > 0)
            lo = np.where(ins, x, lo)
            hi = np.where(ins, hi, x)
            newton = fin & (px < 0) & (px >= -10.0)
            x = np.where(ok, x, np.where(newton, x - px / gx, np.where(np.isnan(hi), 2.0 * x, 0.5 * (lo + hi))))
        else:
            raise FloatingPointError("scale move: no finite envelope for the generalized inverse Gaussian")
        ends.append(x)
    tR, tL = ends
    gR, gL = dd(tR), dd(tL)  # gR < 0 < gL
    hR, hL = d(tR), d(tL)
    mC = tR - tL
    mR = np.exp(hR) / -gR
    mL = np.exp(hL) / gL
    tot = mC + mR + mL
    out = np.empty_like(omega)
    todo = np.arange(omega.size)
    for _ in range(1000):
        n = todo.size
        u = rng.random(n) * tot[todo]
        e = rng.standard_exponential(n)
        cR = u >= mC[todo] + mL[todo]
        cL = (u >= mC[todo]) & ~cR
        t = tL[todo] + rng.random(n) * mC[todo]
        t = np.where(cR, tR[todo] + e / -gR[todo], t)
        t = np.where(cL, tL[todo] - e / gL[todo], t)
        env = np.where(
            cR, hR[todo] + gR[todo] * (t - tR[todo]), np.where(cL, hL[todo] + gL[todo] * (t - tL[todo]), 0.0)
        )
        logu = np.log(rng.random(n))
        ok = logu <= d(t, omega[todo], sm[todo]) - env
        out[todo[ok]] = sm[todo[ok]] + t[ok]
        todo = todo[~ok]
        if todo.size == 0:
            break
    else:
        raise FloatingPointError("scale move: the generalized inverse Gaussian draw did not accept")
    x = np.sqrt(B / A) * np.exp(out)
    if not np.all(np.isfinite(x) & (x > 0)):
        raise FloatingPointError("scale move: the generalized inverse Gaussian draw overflowed")
    return x


def _vm(v, M):
    """Batched row vector times matrix: v (C, n), M (C, n, m) -> (C, m)."""
    return np.matmul(v[:, None, :], M)[:, 0, :]


def _mv(M, v):
    """Batched matrix times column vector: M (C, n, m), v (C, m) -> (C, n)."""
    return np.matmul(M, v[:, :, None])[:, :, 0]


class _Chains:
    """State of C independent chains: a (C, N), W[l] (C, N, n_{l−1}) for l = 0..L−1 (W[0] = W_1).

    The design enters as d = diag(Z_0) = √(Pλ_k): z_{0,k} = d_k e_k.
    """

    def __init__(self, d, Y, N, L, g, T, rng, C):
        self.d, self.Y, self.N, self.L, self.g, self.T, self.rng, self.C = d, Y, N, L, g, T, rng, C
        self.Lam = d.size
        self.n_in = [self.Lam] + [N] * (L - 1)  # row length of each W_l
        self.W = [rng.standard_normal((C, N, n)) for n in self.n_in]
        self.a = rng.standard_normal((C, N)) * math.sqrt(g / N)
        self.eyeT = T * np.eye(self.Lam)

    def readouts(self):
        """b_l for l = 1..L (list index l−1): b_L = a, b_{l−1} = W_lᵀ b_l / √N."""
        b = [None] * self.L
        b[-1] = self.a
        for l in range(self.L - 1, 0, -1):
            b[l - 1] = _vm(b[l], self.W[l]) / math.sqrt(self.N)
        return b

    def _layer(self, l, b, Z):
        """Draw W_l from its Gaussian conditional (Matheron's rule); Z = z_{l−1} (C, n, Λ) or None for l = 0."""
        C, T, rng, N = self.C, self.T, self.rng, self.N
        W0 = rng.standard_normal((C, N, self.n_in[l]))
        eps = rng.standard_normal((C, self.Lam)) * math.sqrt(T)
        bw = _vm(b, W0)  # b_lᵀ W⁰: (C, n)
        bb = np.sum(b * b, axis=1)[:, None, None]
        if Z is None:  # G = |b|² diag(Pλ_k) + T I is diagonal
            f0 = bw * self.d
            alpha = (self.Y - f0 - eps) / (bb[:, :, 0] * (self.d * self.d) + T)
        else:
            f0 = _vm(bw, Z)
            G = bb * np.matmul(Z.transpose(0, 2, 1), Z) + self.eyeT
            alpha = _solve(G, self.Y - f0 - eps)
        Za = alpha * self.d if Z is None else _mv(Z, alpha)  # Z α: (C, n)
        self.W[l] = W0 + b[:, :, None] * Za[:, None, :]
        if Z is None:
            return self.W[l] * (self.d / math.sqrt(N))
        return np.matmul(self.W[l], Z) / math.sqrt(N)

    def sweep(self):
        """One blocked-Gibbs sweep (W_1..W_L, then a) followed by the scale moves; returns f (C, Λ)."""
        C, T, rng = self.C, self.T, self.rng
        b = self.readouts()
        Z = None
        for l in range(self.L):
            Z = self._layer(l, b[l], Z)
        H = Z * math.sqrt(self.N)  # h_L: (C, N, Λ)
        s = self.g / self.N
        a0 = rng.standard_normal((C, self.N)) * math.sqrt(s)
        eps = rng.standard_normal((C, self.Lam)) * math.sqrt(T)
        G = s * np.matmul(H.transpose(0, 2, 1), H) + self.eyeT
        alpha = _solve(G, self.Y - _vm(a0, H) - eps)
        self.a = a0 + s * _mv(H, alpha)
        f = _vm(self.a, H)
        self.scale_moves()
        return f

    def scale_moves(self):
        """Exact draws of the scale along each f-preserving direction (generalized Gibbs)."""
        b = self.readouts()
        hat = [v / np.linalg.norm(v, axis=1, keepdims=True) for v in b]
        # top pair: a × c, row of W_L along â × 1/c
        top = self.L - 1
        rho = _vm(hat[top], self.W[top])
        A = self.N * np.sum(self.a * self.a, axis=1) / self.g
        B = np.sum(rho * rho, axis=1)
        c = np.sqrt(_gig((self.N - self.n_in[top]) / 2.0, A, B, self.rng))
        self.a = self.a * c[:, None]
        self.W[top] = self.W[top] + ((1.0 / c - 1.0)[:, None, None] * hat[top][:, :, None] * rho[:, None, :])
        # pairs (W_l, W_{l−1}), l = L..2 (list indices l−1, l−2); directions b̂ are unchanged by the moves
        for up in range(self.L - 1, 0, -1):
            dn = up - 1
            ru = _vm(hat[up], self.W[up])
            rd = _vm(hat[dn], self.W[dn])
            A = np.sum(ru * ru, axis=1)
            B = np.sum(rd * rd, axis=1)
            c = np.sqrt(_gig((self.n_in[up] - self.n_in[dn]) / 2.0, A, B, self.rng))
            self.W[up] = self.W[up] + ((c - 1.0)[:, None, None] * hat[up][:, :, None] * ru[:, None, :])
            self.W[dn] = self.W[dn] + ((1.0 / c - 1.0)[:, None, None] * hat[dn][:, :, None] * rd[:, None, :])

    def Q(self):
        """Q = |b_1|² per chain: given the layers above W_1, f is a GP with kernel Q K."""
        b1 = self.readouts()[0]
        return np.sum(b1 * b1, axis=1)


def sample_network(
    lam,
    y,
    P,
    kappa,
    width,
    depth,
    parameterization="standard",
    *,
    seed=0,
    samples=None,
    burn=None,
    chains=None,
    batches=None,
    progress=None,
) -> dict:
    """Posterior moments of Δ_k from MCMC on the weights of a finite-width linear network.

    The network h_l = W_l h_{l−1}/√N_{l−1}, f = aᵀ h_L on the fixed design
    φ(x_k) = √(Λ P λ_k) e_k, Y_k = √P y_k; sampled from p(θ | Y) ∝ prior(θ) exp(−|Y − f|²/(2T)) by
    blocked Gibbs (exact Gaussian layer conditionals, Matheron's rule) plus exact scale moves (see
    the module docstring). Estimates from the sampled networks' outputs, Δ_k = (Y_k − f(x_k))/√P:

        mean_k = ⟨Δ_k⟩,  var_k = ⟨Δ_k²⟩ − ⟨Δ_k⟩²,  loss = Σ_k ⟨Δ_k²⟩,

    which must equal the one-scalar mixture E_{Q|Y}[ y_k/(1 + PQλ_k/T) ] etc. up to the error bars.

    Parameters
    ----------
    lam : array (Λ,)            kernel eigenvalues λ_k > 0, non-increasing
    y : array (Λ,)              target coefficients y_k (finite)
    P : int ≥ 1                 number of training samples (the Gram is diag(Pλ_k))
    kappa : float > 0           ridge κ (T = κ for ``standard``, κ/N for ``mean-field``)
    width : int ≥ 1             hidden width N
    depth : int ≥ 1             number L of trainable hidden layers
    parameterization : {"standard", "mean-field"}   g = 1, T = κ or g = 1/N, T = κ/N
    seed : int ≥ 0              seed of the numpy Generator (the result is a function of the inputs)
    samples : int ≥ 1           recorded sweeps per chain (default 2000; rounded down to whole batches)
    burn : int ≥ 0              discarded sweeps per chain (default 200)
    chains : int ≥ 1            independent chains, started from the prior (default 4)
    batches : int ≥ 1           batches per chain for the batch means (default 8; chains × batches ≥ 2)
    progress : callable or None progress(done, total) in sweeps, called about 100 times

    Returns
    -------
    dict with arrays over k ``mean``, ``var``, ``mean_stderr``, ``var_stderr``; scalars ``loss``,
    ``loss_stderr``, ``Q_mean``, ``Q_stderr``, ``Q_var``, ``Q_ess``, ``draws`` (chains × samples
    recorded sweeps), ``batches`` (in all), ``acceptance`` (1.0: every update is an exact
    conditional), and the settings (``algorithm``, ``parameterization``, ``g``, ``T``, ``P``,
    ``kappa``, ``width``, ``depth``, ``seed``, ``samples``, ``burn``, ``chains``). No wall-clock values.

    Raises
    ------
    ValueError
        A parameter outside its range (the message names it).
    FloatingPointError
        Weights overflowed or a conditional covariance lost positive-definiteness.
    """
    (lam_a, y_a, P, kappa, N, L, seed, samples, burn, chains, batches) = _check_inputs(
        lam, y, P, kappa, width, depth, parameterization, seed, samples, burn, chains, batches, progress
    )
    g, T = (1.0, kappa) if parameterization == "standard" else (1.0 / N, kappa / N)
    Lam = lam_a.size
    d = np.sqrt(P * lam_a)  # z_0 = φ/√N_0 = diag(d), N_0 = Λ
    Y = math.sqrt(P) * y_a
    rng = np.random.default_rng(seed)
    state = _Chains(d, Y, N, L, g, T, rng, chains)

    per_batch = samples // batches
    n_rec = per_batch * batches
    total = burn + n_rec
    every = max(1, total // 100)
    s1 = np.zeros((chains, batches, Lam))
    s2 = np.zeros((chains, batches, Lam))
    sq = np.zeros((chains, batches))
    sq2 = np.zeros((chains, batches))
    done = 0
    with np.errstate(over="ignore", invalid="ignore"), _one_blas_thread():  # non-finite values: caught below
        try:
            for it in range(total):
                f = state.sweep()
                if not np.all(np.isfinite(f)):
                    raise FloatingPointError("the network output is not finite")
                if it >= burn:
                    j = (it - burn) // per_batch
                    D = (Y - f) / math.sqrt(P)
                    q = state.Q()
                    s1[:, j] += D
                    s2[:, j] += D * D
                    sq[:, j] += q
                    sq2[:, j] += q * q
                done = it + 1
                if progress is not None and (done % every == 0 or done == total):
                    progress(done, total)
        except FloatingPointError as exc:
            raise FloatingPointError(f"network sampler: numerical trouble at sweep {done + 1}: {exc}") from None
    if not (np.all(np.isfinite(s2)) and np.all(np.isfinite(sq2))):
        raise FloatingPointError("network sampler produced non-finite values")

    nb = chains * batches
    m1 = (s1 / per_batch).reshape(nb, Lam)
    m2 = (s2 / per_batch).reshape(nb, Lam)
    mq = (sq / per_batch).reshape(nb)
    mq2 = (sq2 / per_batch).reshape(nb)
    M1, M2 = m1.mean(axis=0), m2.mean(axis=0)
    var = M2 - M1 * M1
    se1 = m1.std(axis=0, ddof=1) / math.sqrt(nb)
    se_var = (m2 - 2.0 * M1 * m1).std(axis=0, ddof=1) / math.sqrt(nb)  # delta method on (Δ, Δ²)
    loss_b = m2.sum(axis=1)
    Qm = float(mq.mean())
    Qvar = float(mq2.mean() - Qm * Qm)
    Qse = float(mq.std(ddof=1) / math.sqrt(nb))
    ess = Qvar / Qse**2 if Qse > 0 else math.inf
    if ess < 10 * nb:
        warnings.warn(
            f"network sampler: effective sample size of Q is {ess:.3g} for {nb} batches; "
            "the error bars are not reliable (raise samples)",
            RuntimeWarning,
            stacklevel=2,
        )
    return {
        "mean": M1,
        "var": var,
        "mean_stderr": se1,
        "var_stderr": se_var,
        "loss": float(loss_b.mean()),
        "loss_stderr": float(loss_b.std(ddof=1) / math.sqrt(nb)),
        "Q_mean": Qm,
        "Q_stderr": Qse,
        "Q_var": Qvar,
        "Q_ess": float(ess),
        "draws": chains * n_rec,
        "batches": nb,
        "acceptance": 1.0,
        "algorithm": "blocked Gibbs (exact layer conditionals) + exact scale moves",
        "parameterization": parameterization,
        "g": g,
        "T": T,
        "P": P,
        "kappa": kappa,
        "width": N,
        "depth": L,
        "seed": seed,
        "samples": n_rec,
        "burn": burn,
        "chains": chains,
    }
