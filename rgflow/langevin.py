"""Sampling of exp(−S) (docs/theory.md §1, method ``langevin``), seeded, with error bars.

Completing the square, the action is

    S[Δ] = Σ_k [ a_k Δ_k²/2 − b_k Δ_k ] + (u/4) A² + const,
    a_k = 1/λ_k + r,   b_k = y_k/λ_k,   A = Σ_k Δ_k²,

a Gaussian (mean b_k/a_k = y_k/(1 + rλ_k), variance 1/a_k) times an all-to-all quartic.

Schemes
-------
``"pcn"`` (default): Metropolis–Hastings with exact Ornstein–Uhlenbeck proposals
    (preconditioned Crank–Nicolson). The quartic is split around the mean field
    A₀ = μ/u, μ = u Σ_k [1/(a_k+μ) + b_k²/(a_k+μ)²] (the saddle point of the
    Hubbard–Stratonovich integral):

        (u/4) A² = μ A/2 + (u/4)(A − A₀)² + const,

    so S = S_ref + V with the Gaussian reference S_ref = Σ_k [c_k Δ_k²/2 − b_k Δ_k],
    c_k = a_k + μ, and V(A) = (u/4)(A − A₀)² ≥ 0. The proposal is the exact OU flow of
    S_ref for a time dt,

        Δ'_k = m_k + ρ_k (Δ_k − m_k) + √(1 − ρ_k²) ξ_k/√c_k,   m_k = b_k/c_k,  ρ_k = e^{−c_k dt},

    which is reversible w.r.t. exp(−S_ref), so it is accepted with probability
    min(1, exp(V(A) − V(A'))): no time-step bias at any dt. dt = inf (default) is an
    independence sampler from the mean-field Gaussian; since exp(−V) ≤ 1 it is
    uniformly ergodic.
``"euler"``: plain Euler–Maruyama of the Langevin dynamics dΔ = −∂S/∂Δ dt + √2 dW,

        Δ_k ← Δ_k − dt (a_k Δ_k − b_k + u A Δ_k) + √(2 dt) ξ_k,

    the paper's protocol (dt = 1e-4, 5·10⁷ steps, a sample every 10, 2·10⁴ steps of
    equilibration). It carries an O(dt) bias (for the Gaussian part the stationary
    variance is 1/(a_k (1 − a_k dt/2))).

Estimators
----------
``"rb"`` (default for pcn): Rao–Blackwellized. For each sample, the exact conditional
    moments of Δ_k given the other modes, B = A − Δ_k², whose density is

        p(x | B) ∝ exp(−(a_k + u B) x²/2 + b_k x − (u/4) x⁴),

    are computed by Gauss–Hermite quadrature around its mode (node count chosen per run
    so that the quadrature is converged to ~1e-11). E[E[Δ_k | B]] = ⟨Δ_k⟩ exactly, and
    the conditional mean fluctuates only through the collective B, so its variance is far
    below Var Δ_k (at U = 0 it returns the GP moments exactly, with zero error bars).
``"plain"`` (default for euler, the paper's): sample averages of Δ_k and Δ_k².

Error bars: batch means. Every chain is split into equal time batches (at least 32
batches in all); with independent chains and batches longer than the correlation time the
spread of the batch means gives the standard error; Var Δ_k = ⟨Δ_k²⟩ − ⟨Δ_k⟩² gets its
error by the delta method on the same batches. Batch means cannot see a systematic error, so
each standard error is combined in quadrature with a floor (``mean_stderr_floor``,
``var_stderr_floor``): the quadrature's measured bias plus round-off (:func:`_stderr_floor`).
Without it the Rao–Blackwellized error bars shrink to ~0 where the moments are nearly Gaussian
(exactly 0 at U = 0) while round-off stays, and z-scores against ``exact`` reached 10⁹.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from numbers import Integral, Real

import numpy as np

from ._io import say
from .model import Model, check_int, check_real, gaussian_coefficients

__all__ = ["langevin", "DEFAULTS", "SCHEMES", "ESTIMATORS"]

SCHEMES = ("pcn", "euler")
ESTIMATORS = ("rb", "plain")

#: Default settings per scheme. "euler" is the paper's protocol (per chain).
DEFAULTS = {
    "pcn": {"chains": 64, "steps": 200, "dt": math.inf, "thin": 1, "burn": 100, "estimator": "rb"},
    "euler": {"chains": 2, "steps": 50_000_000, "dt": 1e-4, "thin": 10, "burn": 20_000, "estimator": "plain"},
}

_MIN_BATCHES = 32  # total batches (chains × per-chain batches) for the error bars
_QUAD_TOL = 1e-11  # relative accuracy demanded of the conditional moments
_QUAD_CANDIDATES = (6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 96)
_QUAD_REF = 128
_CHUNK = 1 << 20  # elements per block of the quadrature (bounds memory)
_PROGRESS_EVERY = 3.0  # seconds between progress reports
MAX_WORK = 2e8  # chains × (burn + steps) × Λ allowed by default (~15 s on one core at Λ = 3000)
_ROUNDOFF = 16.0  # round-off floor of the error bars, in units of ε·scale (see _stderr_floor)


# --------------------------------------------------------------------------- helpers
def _meanfield(a, b, u):
    """Saddle point μ = u Σ_k [1/(a_k+μ) + b_k²/(a_k+μ)²] (μ = 0 unless u > 0): rgflow.exact's solver."""
    from .exact import _saddle

    return _saddle(a, b * b, u) if u > 0.0 else 0.0


def _conditional_moments(B, a, b, u, t, W, central=False):
    """E[x | B], E[x² | B] (with ``central``: E[x | B], Var[x | B], without the cancellation of
    E[x²] − E[x]² when the mean dominates) for p(x) ∝ exp(−(a + uB) x²/2 + b x − (u/4) x⁴), u ≥ 0.

    B: array (..., Λ); a, b: arrays (Λ,); t, W: Gauss–Hermite nodes and the weight matrix
    [w, w t, w t²] of shape (n, 3). Quadrature in x = x* + s t around the mode x*
    (c x* + u x*³ = b by Newton from above; its residual g1 is kept exactly), with
    s² = 2/h_eff, h = c + 3u x*², h_eff = max(h, 8√u) (keeps the quartic in t bounded):

        log p(x* + s t) − log p(x*) + t² = g1 s t + (1 − h/h_eff) t² − u x* s³ t³ − (u/4) s⁴ t⁴.
    """
    c = a + u * B
    if u > 0.0:
        with np.errstate(over="ignore"):  # |b|/u = inf at a tiny u: the quadratic bound |b|/c wins
            x = np.sign(b) * np.minimum(np.abs(b) / c, np.cbrt(np.abs(b) / u))
    else:
        x = b / c
    eps = np.finfo(float).eps
    for _ in range(100 if u > 0.0 else 0):  # monotone from above; 1–3 steps if u/c² ≪ 1 (u = 0: exact)
        h = c + 3.0 * u * x * x
        f = x * (c + u * x * x) - b
        dx = f / h
        x = x - dx
        # converged: a step below 1e-8 of the conditional width 1/√h, or a residual at its round-off floor
        # (with c ≫ 1 the floor ε(|b| + |x|c) can exceed 1e-8·√h, and the loop would run out its 100 steps)
        if np.all((np.abs(dx) * np.sqrt(h) <= 1e-8) | (np.abs(f) <= 8.0 * eps * (np.abs(b) + np.abs(x) * h))):
            break
    g1 = b - x * (c + u * x * x)
    h = c + 3.0 * u * x * x
    heff = np.maximum(h, 8.0 * math.sqrt(u))
    s = np.sqrt(2.0 / heff)
    c1 = (g1 * s)[..., None]
    c2 = (1.0 - h / heff)[..., None]
    c3 = (-u * x * s**3)[..., None]
    c4 = (-0.25 * u * s**4)[..., None]
    R = ((c4 * t + c3) * t + c2) * t
    R += c1
    R *= t
    np.exp(R, out=R)
    Z = R @ W  # (..., 3): ∫1, ∫t, ∫t²
    et = Z[..., 1] / Z[..., 0]
    et2 = Z[..., 2] / Z[..., 0]
    m1 = x + s * et
    if central:
        return m1, s * s * (et2 - et * et)
    m2 = x * x + 2.0 * x * s * et + s * s * et2
    return m1, m2


@functools.lru_cache(maxsize=None)
def _gh(n):
    """Gauss–Hermite nodes t and weights [w, w t, w t²] of order n (cached: 128 nodes cost ~40 ms; read-only)."""
    t, w = np.polynomial.hermite.hermgauss(n)
    W = np.stack([w, w * t, w * t * t], axis=1)
    t.flags.writeable = False
    W.flags.writeable = False
    return t, W


def _choose_quadrature(a, b, u, A0, *, with_bias=False):
    """Smallest Gauss–Hermite order whose conditional moments agree with a 128-node reference
    to _QUAD_TOL at B ∈ {0, A₀, 3A₀} for every mode (larger B is more Gaussian); None if none.

    with_bias: return (n, d1, d2) instead, with d_j = max over the three B of |m_j − m_j^ref| per mode
    (the measured quadrature bias of E[Δ_k | B], E[Δ_k² | B]; it enters the error bars' floor).
    """
    if u < 0.0:
        return (None, None, None) if with_bias else None
    B = np.array([0.0, A0, 3.0 * A0])[:, None] * np.ones_like(a)
    r1, r2 = _conditional_moments(B, a, b, u, *_gh(_QUAD_REF))
    scale1 = np.abs(r1) + np.sqrt(np.maximum(r2 - r1 * r1, 0.0))
    if not (np.all(np.isfinite(r1)) and np.all(np.isfinite(r2))):
        return (None, None, None) if with_bias else None
    for n in _QUAD_CANDIDATES:
        m1, m2 = _conditional_moments(B, a, b, u, *_gh(n))
        d1, d2 = np.abs(m1 - r1), np.abs(m2 - r2)
        if np.all(d1 <= _QUAD_TOL * scale1) and np.all(d2 <= _QUAD_TOL * np.abs(r2)):
            return (n, d1.max(axis=0), d2.max(axis=0)) if with_bias else n
    return (None, None, None) if with_bias else None


def _stderr_floor(M1, M2, var, bias1, bias2):
    """Floor of the standard errors of ⟨Δ_k⟩ and Var Δ_k for what batch means cannot see: the
    quadrature bias (bias1, bias2 of the conditional moments) and round-off,

        f_mean = bias1 + R ε (|⟨Δ⟩| + σ),   f_var = bias2 + R ε ⟨Δ²⟩ + 2|⟨Δ⟩| f_mean,

    with σ = √max(Var, 0), ε the float64 epsilon and R = _ROUNDOFF (the conditional mean is x* + s⟨t⟩,
    its ⟨t⟩ a cancelling Gauss–Hermite sum of absolute error ~ε; Var = ⟨Δ²⟩ − ⟨Δ⟩² cancels ~ε⟨Δ²⟩).
    """
    eps = np.finfo(float).eps
    f1 = bias1 + _ROUNDOFF * eps * (np.abs(M1) + np.sqrt(np.maximum(var, 0.0)))
    f2 = bias2 + _ROUNDOFF * eps * np.abs(M2) + 2.0 * np.abs(M1) * f1
    return f1, f2


def _is_int(v):
    return isinstance(v, Integral) and not isinstance(v, bool)


def _make_reporter(progress):
    if progress is None or progress is False:
        return None
    if progress is True:

        def report(done, total, elapsed):
            eta = elapsed * (total - done) / done if done else float("nan")
            say(
                f"langevin: {100.0 * done / total:5.1f}% ({done}/{total} steps), "
                f"{elapsed:.1f} s elapsed, ~{eta:.0f} s left"
            )

        return report
    if callable(progress):
        return progress
    raise ValueError(f"progress must be None, a bool or a callable(done, total, elapsed), got {progress!r}")


# --------------------------------------------------------------------------- engine
def _sample(a, b, u, *, rng, scheme, chains, steps, dt, thin, burn, batches, estimator, progress=None):
    """Run the sampler on the couplings (a_k, b_k, u) directly (no validation; u may be any
    real, u < 0 only in a metastable sense). Returns the result dict of :func:`langevin`."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    L = a.size
    C = chains
    t_start = time.perf_counter()

    mu = _meanfield(a, b, u)
    A0 = mu / u if u > 0.0 else 0.0
    c = a + mu
    m = b / c
    sd = 1.0 / np.sqrt(c)

    quad_nodes = None
    bias1 = bias2 = np.zeros(L)  # plain averages: no quadrature, round-off only
    if estimator == "rb":
        quad_nodes, d1, d2 = _choose_quadrature(a, b, u, max(A0, float(np.sum(1.0 / c + m * m))), with_bias=True)
        if quad_nodes is not None:
            bias1, bias2 = d1, d2
        if quad_nodes is None:
            warnings.warn(
                "langevin: the conditional-moment quadrature did not converge; falling back to the plain estimator",
                RuntimeWarning,
                stacklevel=3,
            )
            estimator = "plain"
        else:
            t_nodes, W = _gh(quad_nodes)
            rows = max(1, _CHUNK // (L * quad_nodes))

    per_chain = steps // thin
    per_batch = per_chain // batches
    n_steps = per_batch * batches * thin
    total = burn + n_steps

    # start from the mean-field Gaussian (an exact draw of the reference)
    x = m + sd * rng.standard_normal((C, L))
    A = np.einsum("ij,ij->i", x, x)
    xi = np.empty((C, L))
    tmp = np.empty((C, L))

    if scheme == "pcn":
        if math.isinf(dt):
            rho = np.zeros(L)
        else:
            rho = np.exp(-c * dt)
        q = np.sqrt(-np.expm1(-2.0 * c * dt)) * sd if not math.isinf(dt) else sd
        m_c = (1.0 - rho) * m

        def V(AA):
            return 0.25 * u * (AA - A0) ** 2

        VA = V(A)
        n_acc = 0
        n_prop = 0
    else:
        noise = math.sqrt(2.0 * dt)

    s1 = np.zeros((C, L))
    s2 = np.zeros((C, L))
    sA = np.zeros(C)
    bm1 = np.empty((C, batches, L))
    bm2 = np.empty((C, batches, L))
    bA = np.empty((C, batches))

    report = _make_reporter(progress)
    last = time.perf_counter()
    k_in_batch = 0
    batch = 0
    for step in range(total):
        rng.standard_normal(out=xi)
        if scheme == "pcn":
            np.multiply(rho, x, out=tmp)
            tmp += m_c
            xi *= q
            tmp += xi  # proposal
            Ap = np.einsum("ij,ij->i", tmp, tmp)
            Vp = V(Ap)
            logr = VA - Vp
            acc = np.log(rng.random(C)) < logr
            if acc.all():
                x, tmp = tmp, x
                A, VA = Ap, Vp
            else:
                x[acc] = tmp[acc]
                A = np.where(acc, Ap, A)
                VA = np.where(acc, Vp, VA)
            if step >= burn:
                n_acc += int(acc.sum())
                n_prop += C
        else:
            # Δ ← Δ − dt (a Δ − b + u A Δ) + √(2dt) ξ
            np.multiply(x, a, out=tmp)
            tmp += (u * A)[:, None] * x
            tmp -= b
            tmp *= dt
            x -= tmp
            xi *= noise
            x += xi
            A = np.einsum("ij,ij->i", x, x)

        if step >= burn and (step - burn + 1) % thin == 0:
            if scheme == "euler" and not np.all(np.isfinite(A)):
                raise FloatingPointError(f"langevin: scheme='euler' diverged at step {step}; reduce dt (got {dt!r})")
            if estimator == "rb":
                for i0 in range(0, C, rows):
                    sl = slice(i0, i0 + rows)
                    e1, cv = _conditional_moments(A[sl, None] - x[sl] * x[sl], a, b, u, t_nodes, W, central=True)
                    sA[sl] += (cv + e1 * e1).sum(axis=1)
                    e1 -= m  # moments about the mean-field mean m_k: no
                    s1[sl] += e1  # cancellation in Var = ⟨(Δ−m)²⟩ − ⟨Δ−m⟩²
                    s2[sl] += e1 * e1 + cv  # when |m_k| ≫ σ_k
            else:
                np.subtract(x, m, out=tmp)
                s1 += tmp
                tmp *= tmp
                s2 += tmp
                sA += A
            k_in_batch += 1
            if k_in_batch == per_batch:
                bm1[:, batch] = s1 / per_batch
                bm2[:, batch] = s2 / per_batch
                bA[:, batch] = sA / per_batch
                s1[:] = 0.0
                s2[:] = 0.0
                sA[:] = 0.0
                k_in_batch = 0
                batch += 1
        if report is not None:
            now = time.perf_counter()
            if now - last >= _PROGRESS_EVERY:
                last = now
                report(step + 1, total, now - t_start)

    nb = C * batches
    bm1 = bm1.reshape(nb, L)
    bm2 = bm2.reshape(nb, L)
    bA = bA.reshape(nb)
    D1 = bm1.mean(axis=0)  # ⟨Δ − m⟩ and ⟨(Δ − m)²⟩
    var = bm2.mean(axis=0) - D1 * D1
    M1 = m + D1
    M2 = var + M1 * M1
    d = bm2 - 2.0 * D1 * bm1  # delta method: δ(C2 − D1²) = δC2 − 2 D1 δD1
    root = math.sqrt(nb)
    f1, f2 = _stderr_floor(M1, M2, var, bias1, bias2)  # bias and round-off, added in quadrature
    out = {
        "mean": M1,
        "var": var,
        "mean_stderr": np.hypot(bm1.std(axis=0, ddof=1) / root, f1),
        "var_stderr": np.hypot(d.std(axis=0, ddof=1) / root, f2),
        "second": M2,
        "loss": float(bA.mean()),
        "loss_stderr": float(
            np.hypot(
                bA.std(ddof=1) / root, float(np.sum(bias2)) + _ROUNDOFF * np.finfo(float).eps * abs(float(bA.mean()))
            )
        ),
        "mean_stderr_floor": f1,
        "var_stderr_floor": f2,
        "scheme": scheme,
        "estimator": estimator,
        "chains": C,
        "steps": n_steps,
        "burn": burn,
        "thin": thin,
        "dt": dt,
        "batches": nb,
        "samples": C * batches * per_batch,
        "mu": mu,
        "quad_nodes": quad_nodes,
    }  # no wall-clock time: the same input gives the same bytes (README); progress shows the time
    if scheme == "pcn":
        out["acceptance"] = n_acc / n_prop if n_prop else float("nan")
    if report is not None:
        report(total, total, time.perf_counter() - t_start)
    return out


# --------------------------------------------------------------------------- public API
def langevin(
    model,
    *,
    seed=0,
    chains=None,
    steps=None,
    dt=None,
    thin=None,
    burn=None,
    scheme="pcn",
    estimator=None,
    batches=None,
    progress=None,
    max_work=MAX_WORK,
) -> dict:
    """Sample exp(−S) of ``model`` over all modes k = 1..Λ and return moments with error bars.

    Parameters (None → the per-scheme default in ``DEFAULTS``)
    ----------
    model : rgflow.model.Model
    seed : int ≥ 0              numpy.random.default_rng(seed); same seed ⇒ identical output
    chains : int ≥ 2            independent chains, vectorized as an array (chains, Λ)
    steps : int ≥ 1             steps per chain after burn-in (rounded down to whole batches)
    dt : float > 0              pcn: OU time of the proposal (inf = independent proposals);
                                euler: the time step, dt·max_k a_k < 2
    thin : int ≥ 1              use every thin-th state
    burn : int ≥ 0              equilibration steps per chain
    scheme : "pcn" | "euler"    see the module docstring
    estimator : "rb" | "plain"  Rao–Blackwellized conditional moments or plain averages
    batches : int ≥ 1           time batches per chain (default: enough for 32 in total)
    progress : None | bool | callable(done, total, elapsed)
                                True reports on stderr every few seconds
    max_work : float > 0        bound on chains × (burn + steps) × Λ (default MAX_WORK = 2e8, about
                                15 s): a larger request is a ValueError before any work

    Returns a dict with arrays over k: "mean" ⟨Δ_k⟩, "var" Var Δ_k, "mean_stderr",
    "var_stderr", "second" ⟨Δ_k²⟩; scalars "loss" ⟨L⟩/P = Σ_k ⟨Δ_k²⟩ and "loss_stderr",
    "acceptance" (pcn), "mu" (mean-field mass shift), "samples", "batches",
    "mean_stderr_floor", "var_stderr_floor" (the bias and round-off part of the error bars),
    and the settings used.
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be an rgflow.model.Model, got {type(model).__name__}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    d = DEFAULTS[scheme]
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    chains = check_int("chains", d["chains"] if chains is None else chains, low=2)
    steps = check_int("steps", d["steps"] if steps is None else steps, low=1)
    thin = check_int("thin", d["thin"] if thin is None else thin, low=1)
    burn = check_int("burn", d["burn"] if burn is None else burn, low=0)
    estimator = d["estimator"] if estimator is None else estimator
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    dt = d["dt"] if dt is None else dt
    if isinstance(dt, bool) or not isinstance(dt, Real) or math.isnan(float(dt)) or float(dt) <= 0.0:
        raise ValueError(f"dt must be a real number > 0 (inf allowed for scheme='pcn'), got {dt!r}")
    dt = float(dt)
    a, b = gaussian_coefficients(model)
    if scheme == "euler":
        if math.isinf(dt):
            raise ValueError("dt must be finite for scheme='euler'")
        lim = 2.0 / float(a.max())
        if dt >= lim:
            raise ValueError(
                f"dt must lie in (0, {lim:.6g}) for scheme='euler' at this model "
                f"(Euler–Maruyama is unstable for dt·max a_k >= 2), got {dt!r}"
            )
    per_chain = steps // thin
    if batches is None:
        batches = max(1, -(-_MIN_BATCHES // chains))
        batches = min(batches, max(1, per_chain))
    batches = check_int("batches", batches, low=1)
    if per_chain < batches:
        raise ValueError(
            f"steps must be >= thin*batches = {thin * batches} so that every batch holds a sample, got {steps!r}"
        )
    max_work = check_real("max_work", max_work, low=0.0, low_open=True)
    work = float(chains) * float(burn + steps) * model.cutoff
    if work > max_work:
        raise ValueError(
            f"chains*(burn+steps)*cutoff = {work:.3g} exceeds max_work = {max_work:.3g} (time and "
            f"memory grow with it): lower chains, burn, steps or the cutoff, or raise max_work"
        )
    reporter = _make_reporter(progress)  # validates progress
    rng = np.random.default_rng(seed)
    return _sample(
        a,
        b,
        model.u,
        rng=rng,
        scheme=scheme,
        chains=chains,
        steps=steps,
        dt=dt,
        thin=thin,
        burn=burn,
        batches=batches,
        estimator=estimator,
        progress=reporter,
    )
