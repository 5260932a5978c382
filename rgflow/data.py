"""From data to a spectrum: (λ_k, y_k) of a kernel on a data set, spectrum files, and power-law fits.

Conventions (normative, docs/theory.md §5). For N data points with Gram matrix K_N and target values f_i:

    λ_k = k-th largest eigenvalue of K_N / N,      y_k = u_k · f / √N,

u_k the unit eigenvectors (signs as LAPACK returns them, kept in y_k), so Σ_k y_k² = (1/N) Σ_i f_i², the
mean of f² (less the power on modes dropped as numerically zero, reported in ``meta``). κ is the
ridge added to the P × P training Gram matrix, as in scikit-learn's ``KernelRidge(alpha=κ)``.

Memory. The dense path factorizes K/N in place (LAPACK ``syevr`` on the Fortran view, no copy): two
N × N float64 arrays (the matrix and its eigenvectors), 16·N² bytes in numpy arrays; the measured
resident peak of a fresh process is ≈ 21·N² bytes (``bench/large_n.py``; 8.4 GB at the limit N ≤ 20000,
``max_dense``). :func:`spectrum_from_gram`
copies the caller's K once (K/N), so 16·N² beside it. Above ``max_dense``
:func:`spectrum_from_features` raises unless ``modes=k`` is given: :func:`top_eigenpairs`, the top k
eigenpairs of the kernel operator applied block by block (never stored; O(N·k) memory; a stated error
per mode; the target power outside kept as the residual, or the tail completed from its measured
trace by :func:`extrapolate_tail`). ``rank=m`` keeps the older Nyström path: m landmark points (drawn
without replacement, seeded), K_N ≈ C W⁺ Cᵀ (C = K(X, Z), W = K(Z, Z)), eigenpairs from the thin SVD
of C W^{-1/2} / √N in O(N m²) time and O(N m) memory; fast, but only its top eigenvalues are accurate.

Power-law fits. Measured spectra are only locally power laws: :func:`fit_power_law` fits
λ_k = A k^-(1+α) and y_k² = B k^-(1+β) on one window [k_lo, k_hi], :func:`exponent_drift` repeats it
on sliding windows and returns the table, which is the honest summary of a measured spectrum.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import pathlib
from dataclasses import dataclass, field

import numpy as np

from .model import check_int, check_real
from .ridge import check_gram, check_spectrum, check_target_values

__all__ = [
    "DataSpectrum",
    "TargetArray",
    "KERNELS",
    "MAX_DENSE",
    "kernel_matrix",
    "spectrum_from_gram",
    "spectrum_from_features",
    "top_eigenpairs",
    "extrapolate_tail",
    "standardize_features",
    "load_spectrum",
    "save_spectrum",
    "fit_power_law",
    "exponent_drift",
]

KERNELS = ("rbf", "laplace", "ntk", "nngp-relu", "ntk-relu", "nngp-erf", "ntk-erf")  # rgflow's own names
MAX_DENSE = 20000


class TargetArray(np.ndarray):
    """The target coefficients y_k of a :class:`DataSpectrum`: a float array that also carries
    ``residual``, the target power outside the modes, so that ``Measured(*spectrum)`` keeps it. Slices
    and arithmetic give arrays whose ``residual`` is None (it belongs to the whole set of modes only)."""

    residual = None

    def __new__(cls, values, residual=None):
        obj = np.asarray(values, dtype=float).view(cls)
        obj.residual = residual
        return obj

    def __array_finalize__(self, obj):
        self.residual = None

    def __reduce__(self):
        return (TargetArray, (np.asarray(self), self.residual))

    def __repr__(self):
        return repr(np.asarray(self))


def residual_of(meta, rtol=1e-12) -> float:
    """The :class:`~rgflow.spectrum.Measured` residual of a spectrum's ``meta``: ``dropped_power`` when it
    exceeds ``rtol`` · ``mean_f2`` (else rounding: 0)."""
    try:
        power = float(meta.get("dropped_power", 0.0) or 0.0)
        scale = float(meta.get("mean_f2", 0.0) or 0.0)
    except (TypeError, ValueError, AttributeError):
        return 0.0
    return power if math.isfinite(power) and power > rtol * scale and power > 0 else 0.0


@dataclass(frozen=True)
class DataSpectrum:
    """A measured spectrum: ``eigenvalues`` λ_k (> 0, descending), ``target`` y_k and ``meta`` (a dict:
    N, kernel, method, dropped modes and power, ...). Unpacks as ``lam, y = spectrum``; ``target`` is a
    :class:`TargetArray` carrying the residual (``meta["dropped_power"]``), so ``Measured(*spectrum)``,
    ``Measured(spectrum)`` and ``Measured.from_data(spectrum)`` all keep it."""

    eigenvalues: np.ndarray
    target: np.ndarray
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "target", TargetArray(self.target, residual_of(self.meta)))

    @property
    def residual(self) -> float:
        """The target power outside the modes (0 when it is rounding)."""
        return residual_of(self.meta)

    def __iter__(self):
        return iter((self.eigenvalues, self.target))


# ---------------------------------------------------------------------------------------- kernels


def _check_X(X, name="X"):
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D array of numbers (samples × features)") from None
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(
            f"{name} must be a 2-D array (samples × features) with at least one row and column, got shape {X.shape}"
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    return X


def kernel_matrix(X, Z=None, kernel="rbf", **params) -> np.ndarray:
    """Kernel matrix K(X, Z) (Z = X by default) on the rows of X and Z.

    ``kernel``: a name, a callable ``kernel(X, Z, **params)`` → array, or a scikit-learn kernel object
    (:func:`rgflow.kernels.resolve_kernel`). Among the names:

    * ``rbf``: exp(−γ |x − z|²), γ = ``gamma`` (default 1/d, d features; scikit-learn's convention);
    * ``laplace``: exp(−γ |x − z|₁) (L1 distance, as scikit-learn's ``laplacian_kernel``), γ default 1/d;
    * ``ntk``: the neural tangent kernel of a one-hidden-layer ReLU network, in closed form through the
      arc-cosine kernels: with x̃ = (x/√d, b) (b = ``bias``, default 1), u = x̃·z̃/(|x̃||z̃|), θ = arccos u,
      Θ(x, z) = (x̃·z̃) (π − θ)/π + |x̃||z̃| (sin θ + (π − θ) u)/π, which is twice the NTK of
      f(x) = m^{-1/2} Σ_j a_j ReLU(w_j·x̃) with standard normal a_j, w_j as m → ∞;
    * ``nngp-relu``, ``ntk-relu``, ``nngp-erf``, ``ntk-erf``: depth-L networks
      (:func:`rgflow.kernels.network_kernel`; ``depth``, ``weight_var``, ``bias_var``);
    * scikit-learn's pairwise names and ``matern``, ``rational-quadratic``, ``exp-sine-squared``,
      ``dot-product`` (see :mod:`rgflow.kernels`).
    """
    from .kernels import resolve_kernel

    X = _check_X(X)
    Z = X if Z is None else _check_X(Z, "Z")
    if Z.shape[1] != X.shape[1]:
        raise ValueError(f"Z must have the {X.shape[1]} features of X, got {Z.shape[1]}")
    return resolve_kernel(kernel, X.shape[1], params)(X, Z)


def standardize_features(X, *, warn_ratio=100.0, standardize=False):
    """X with zero-mean, unit-variance columns (constant columns left at 0) when ``standardize``; else X
    unchanged, with a ``UserWarning`` when the column standard deviations differ by more than
    ``warn_ratio`` (raw units: a distance-based kernel then sees only the widest columns)."""
    X = _check_X(X)
    sd = X.std(axis=0)
    if standardize:
        return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    live = sd[sd > 0]
    if live.size > 1 and live.max() > warn_ratio * live.min():
        import warnings

        warnings.warn(
            f"the feature columns differ in scale by {live.max() / live.min():.3g}× (standard "
            f"deviations {live.min():.3g} to {live.max():.3g}); standardize them "
            "(standardize=True, --standardize) unless the raw units are meant",
            UserWarning,
            stacklevel=3,
        )
    return X


# ------------------------------------------------------------------------------- data → spectrum


def _positive_modes(lam, U, f, N, meta, y_all=None):
    """Keep the modes with λ > N·ε·λ_max (numerically nonzero), descending; y = Uᵀf/√N."""
    order = np.argsort(lam)[::-1]
    lam = lam[order]
    lam_max = lam[0] if lam.size else 0.0
    if not lam_max > 0:
        raise ValueError("the Gram matrix has no positive eigenvalue")
    tol = max(N, lam.size) * np.finfo(float).eps * lam_max
    if lam[-1] < -1e-6 * lam_max:
        raise ValueError(
            f"the Gram matrix is not positive semi-definite (eigenvalue {lam[-1]:.3g} against largest {lam_max:.3g})"
        )
    keep = lam > tol
    y_all = (U.T @ f / math.sqrt(N)) if y_all is None else y_all
    y_all = y_all[order]
    mean_f2 = float(np.mean(f * f))
    meta.update(
        N=N,
        modes=int(keep.sum()),
        dropped_modes=int((~keep).sum()) + meta.pop("_outside", 0),
        dropped_power=max(0.0, float(mean_f2 - np.sum(y_all[keep] ** 2))),
        mean_f2=mean_f2,
    )  # ≥ 0 up to round-off
    if "eigenvalue_errors" in meta:
        meta["eigenvalue_errors"] = [float(v) for v in np.asarray(meta["eigenvalue_errors"])[order][keep]]
    return DataSpectrum(np.ascontiguousarray(lam[keep]), np.ascontiguousarray(y_all[keep]), meta)


def _eigh_inplace(A):
    """Eigenpairs of the symmetric float64 matrix A, overwriting A (LAPACK syevr on the Fortran view Aᵀ,
    so no copy is made): eigenvalues and an N × N eigenvector matrix, peak memory ≈ 2·8·N² bytes."""
    from scipy.linalg import eigh

    return eigh(A.T, lower=True, overwrite_a=True, check_finite=False, driver="evr")


def _check_symmetric(A, name, block=256):
    """ValueError unless A = Aᵀ to 1e-10 of its largest entry (checked in row blocks: no N × N copy)."""
    scale = max(max(float(np.abs(A[i0:i1]).max()) for i0, i1 in _blocks(A.shape[0], block)), 1e-300)
    for i0, i1 in _blocks(A.shape[0], block):
        if np.abs(A[i0:i1] - A[:, i0:i1].T).max() > 1e-10 * scale:
            raise ValueError(f"kernel {name} is not symmetric: K(x, z) differs from K(z, x)")


def spectrum_from_gram(K, f, *, max_dense=MAX_DENSE) -> DataSpectrum:
    """Spectrum of a Gram matrix K_N (N × N, symmetric PSD) and target values f (length N).

    λ_k = eig(K_N/N) descending, y_k = u_k·f/√N (Σ_k y_k² = mean f²). Eigenvalues ≤ N·ε·λ_max are
    numerical zeros and dropped (their count and target power in ``meta``). Dense LAPACK ``syevr`` on a
    copy of K/N: 16·N² bytes beside the caller's K (measured peak in ``bench/large_n_results.txt``);
    N above ``max_dense`` (20000) raises — use :func:`spectrum_from_features` with ``modes``.
    """
    K = check_gram(K, max_dense=max_dense, hint="use spectrum_from_features(..., modes=k) (top-k, never stored)")
    N = K.shape[0]
    f = check_target_values(f, N)
    lam, U = _eigh_inplace(K / N)
    return _positive_modes(lam, U, f, N, {"method": "dense"})


def _blocks(N, block):
    return [(i, min(N, i + block)) for i in range(0, N, block)]


def _block_product(kern, X, i0, i1, Q):
    """K(X[i0:i1], X) @ Q: one row block of the kernel operator applied to Q (a task of its own)."""
    return kern(X[i0:i1], X) @ Q


def _row_products(kern, X, Q, rows, client=None, tick=None):
    """(i0, i1, K(X[i0:i1], X) @ Q) for the row blocks ``rows``, in order (``tick()`` after each); with
    ``client`` (a dask.distributed Client) the blocks are its tasks."""
    tick = tick or (lambda: None)
    if client is None:
        for i0, i1 in rows:
            yield i0, i1, _block_product(kern, X, i0, i1, Q)
            tick()
        return
    Xf = client.scatter(X, broadcast=True, hash=False)
    Qf = client.scatter(np.asfortranarray(Q), broadcast=True, hash=False)
    futs = [client.submit(_block_product, kern, Xf, i0, i1, Qf, pure=False) for i0, i1 in rows]
    for (i0, i1), fut in zip(rows, futs):
        yield i0, i1, fut.result()
        tick()
    del futs, Qf, Xf


def _apply_inplace(kern, X, Q, *, block, chunks, client=None, tick=None):
    """Q ← K(X, X) Q, row block by row block (the N × N matrix is never stored) and in ``chunks``
    column chunks (Q's chunk c is overwritten once K Q[:, c] is complete; the kernel is evaluated once
    per chunk). The products wait in single precision: this pass only spans the next subspace, which the
    last pass's Rayleigh–Ritz uses in double precision (half the buffer: one chunk at N = 10⁵, k = 2000)."""
    N, s = Q.shape
    edges = np.linspace(0, s, chunks + 1).astype(int)
    rows = _blocks(N, block)
    for c0, c1 in zip(edges[:-1], edges[1:]):
        if c1 <= c0:
            continue
        buf = np.empty((N, c1 - c0), dtype=np.float32, order="F")
        for i0, i1, Y in _row_products(kern, X, Q[:, c0:c1], rows, client, tick):
            buf[i0:i1] = Y
        Q[:, c0:c1] = buf
        del buf


def _rayleigh_ritz_blocks(kern, X, Q, *, block, client=None, tick=None):
    """H = Qᵀ K Q and G = (K Q)ᵀ (K Q), accumulated row block by row block: Y = K Q is never stored
    (one kernel evaluation, memory of Q plus one row block)."""
    s = Q.shape[1]
    H, G = np.zeros((s, s)), np.zeros((s, s))
    for i0, i1, Y in _row_products(kern, X, Q, _blocks(Q.shape[0], block), client, tick):
        H += Q[i0:i1].T @ Y
        G += Y.T @ Y
    return H, G


def _orthonormalize(Q):
    """Householder QR of Q in place (LAPACK geqrf/orgqr on the Fortran array): an orthonormal basis."""
    from scipy.linalg import qr

    Qn, _ = qr(Q, mode="economic", overwrite_a=True, check_finite=False)
    return Qn


def top_eigenpairs(
    X,
    f,
    kern,
    k,
    *,
    passes=2,
    oversample=None,
    seed=0,
    block=None,
    memory=3.75 * 2**30,
    client=None,
    on_step=None,
) -> DataSpectrum:
    """The top k eigenpairs of the kernel operator K(X, X)/N, never storing it: block subspace iteration.

    Start: Q₀ = orth K(X, Z) for s = k + p landmark points Z (p = ``oversample``, default max(10, k/10)),
    which costs N·s kernel values. Then ``passes`` − 1 times Q ← orth(K Q), and a last pass Y = K Q/N
    with Rayleigh–Ritz: H = QᵀY = V Θ Vᵀ, Ritz pairs (θ_j, u_j = Q v_j), kept the top k. Each pass
    evaluates the kernel in row blocks (``block`` rows, default max(512, 2²³/N): a GEMM needs a few hundred
    rows to run at speed) and multiplies: 2·N²·s flops. The last pass accumulates H and YᵀY block by
    block (Y is never stored): memory 8·N·s bytes plus one row block (N = 10⁵, k = 2000: 1.8 GB and
    0.4 GB); each earlier pass also a single-precision buffer of 4·N·s/chunks bytes, ``chunks`` chosen so that
    8·N·s + 4·N·s/chunks + 3·8·block·N fits ``memory`` (default 3.75 GiB: one chunk, one kernel evaluation per
    pass, at N = 10⁵, k = 2000).
    ``passes=1`` (the landmark start and the Rayleigh–Ritz pass) suffices where the test error is
    wanted (5000 points, k = 2000: within 0.7% of the dense spectrum's, ``bench/large_n.py``); more
    passes sharpen the eigenvalues themselves.

    The stated error: for each pair the residual r_j = ‖K u_j/N − θ_j u_j‖ = √(v_jᵀ YᵀY v_j − θ_j²)
    (computed from the same pass, floored at √(s·ε)·θ₁ by rounding) bounds the distance from θ_j to
    the spectrum of K/N (rigorous: some eigenvalue lies in [θ_j − r_j, θ_j + r_j]), and the Ritz values
    lie below the eigenvalues (θ_j ≤ λ_j). ``on_step(done, total)``, if given, is called after each row block
    of each pass (``total`` blocks in all). Where the modes are separated by more than r_j (in practice
    all but the last ≈ 10% of the k modes on slowly decaying spectra) this is the error of λ_j itself.
    ``meta["eigenvalue_errors"]`` holds r_j, ``max_relative_error`` max_j r_j/θ_j. y_k = u_k·f/√N = v_k·(Qᵀf)/√N as in the dense convention; the
    target power outside the k modes, mean f² − Σ y_k², is ``meta["dropped_power"]`` (the
    :class:`~rgflow.spectrum.Measured` residual).
    """
    N = X.shape[0]
    k = check_int("modes", k)
    if k > N:
        raise ValueError(f"modes must be an integer in [1, N = {N}], got {k}")
    passes = check_int("passes", passes)
    p = max(10, k // 10) if oversample is None else check_int("oversample", oversample, low=0)
    s = min(N, k + p)
    # row blocks of ≥ 512 rows (a GEMM of fewer rows runs at a fraction of its speed: 18 against 210 GFLOP/s
    # at 83 against 512 rows, N = 10^5, s = 2200) or ≈ 64 MB of kernel values, whichever is more
    block = min(N, max(512, 2**23 // N)) if block is None else check_int("block", block)
    memory = check_real("memory", memory, low=0, low_open=True)
    free = memory - 8.0 * N * s - 3 * 8.0 * block * N  # Q and a kernel block with its temporaries
    chunks = 1 if free >= 4.0 * N * s else max(1, math.ceil(4.0 * N * s / max(free, 4.0 * N)))
    chunks = min(chunks, s)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    Z = X[np.sort(rng.choice(N, s, replace=False))]
    Q = np.empty((N, s), order="F")
    for i0, i1 in _blocks(N, max(1, 2**23 // s)):
        Q[i0:i1] = kern(X[i0:i1], Z)
    Q = _orthonormalize(Q)
    tick = None
    if on_step is not None:  # chunks ≤ s: every chunk of _apply_inplace is non-empty
        total, done = len(_blocks(N, block)) * ((passes - 1) * chunks + 1), itertools.count(1)

        def tick():
            on_step(next(done), total)

    for _ in range(passes - 1):
        _apply_inplace(kern, X, Q, block=block, chunks=chunks, client=client, tick=tick)
        Q = _orthonormalize(Q)
    qf = Q.T @ f
    H, G = _rayleigh_ritz_blocks(kern, X, Q, block=block, client=client, tick=tick)
    del Q
    H = (H + H.T) / (2.0 * N)
    G /= N * N  # YᵀY with Y = K Q/N
    theta, V = np.linalg.eigh(H)
    theta, V = theta[::-1][:k], V[:, ::-1][:, :k]
    # rounding of vᵀGv − θ² (entries up to θ₁²) floors the residual at √(s·ε)·θ₁
    r = np.maximum(
        np.sqrt(np.maximum(np.sum(V * (G @ V), axis=0) - theta**2, 0.0)),
        math.sqrt(s * np.finfo(float).eps) * max(float(theta[0]), 0.0),
    )
    y = V.T @ qf / math.sqrt(N)
    pos = theta > 0
    rel = float(np.max(r[pos] / theta[pos])) if np.any(pos) else float("inf")
    trace = sum(float(np.trace(kern(X[i0:i1], X[i0:i1]))) for i0, i1 in _blocks(N, 256)) / N
    meta = {
        "method": "operator",
        "passes": passes,
        "oversample": p,
        "seed": int(seed),
        "chunks": chunks,
        "eigenvalue_errors": r,
        "max_relative_error": rel,
        "_outside": N - k,
        "tail_trace": max(0.0, trace - float(np.sum(theta))),
    }
    return _positive_modes(theta, None, f, N, meta, y_all=y)


def extrapolate_tail(spectrum) -> DataSpectrum:
    """A top-k :class:`DataSpectrum` (``modes`` path) completed to N modes by a surrogate tail.

    Modes k+1..N: λ_j ∝ j^-a and y_j² ∝ j^-b, the exponents fitted (least squares in ln–ln) on the
    computed modes k/2..k (y² smoothed over 9 modes), normalized so that Σ_tail λ_j equals the
    measured ``tail_trace`` = tr K/N − Σ_k θ_k (exact, from the kernel's diagonal) and Σ_tail y_j² the
    measured target power outside the k modes (so the residual becomes 0; the tail's eigenvalues are
    min(c·j^-a, θ_k), c solving the trace, to stay descending). The tail acts in the renormalized ridge mainly through its trace
    (an implicit ridge), which is why the surrogate fixes most of the truncation error; ``meta`` says
    ``tail = "extrapolated"`` and ``computed_modes``.
    """
    meta = dict(spectrum.meta)
    if meta.get("method") != "operator" or "tail_trace" not in meta:
        raise ValueError("spectrum must come from the top-k path (modes=k) to extrapolate its tail")
    th, yk = np.asarray(spectrum.eigenvalues), np.asarray(spectrum.target)
    k, N = th.size, int(meta["N"])
    t, power = float(meta["tail_trace"]), float(meta["dropped_power"])
    if N <= k or k < 8 or not t > 0:
        return spectrum
    j = np.arange(k // 2, k) + 1.0
    a = max(-np.polyfit(np.log(j), np.log(th[k // 2 :]), 1)[0], 0.0)
    y2 = np.maximum(np.convolve(yk[k // 2 :] ** 2, np.ones(9) / 9, "same"), 1e-300)
    b = -np.polyfit(np.log(j), np.log(y2), 1)[0]
    jt = np.arange(k + 1, N + 1, dtype=float)
    shape = jt**-a
    from scipy.optimize import brentq

    cap = float(th[-1])
    if shape.size * cap <= t:  # the trace needs every tail mode at θ_k: a flat tail
        lt = np.full(shape.size, min(cap, t / shape.size))
    else:  # min(c·j^-a, θ_k) with Σ = tail trace
        c = brentq(lambda c: np.minimum(c * shape, cap).sum() - t, 0.0, t / shape[-1], xtol=1e-300, rtol=1e-15)
        lt = np.minimum(c * shape, cap)
    yt = jt**-b
    yt *= power / yt.sum()
    meta.update(
        tail="extrapolated",
        computed_modes=k,
        tail_exponents=[float(a), float(b)],
        modes=N,
        dropped_modes=0,
        dropped_power=0.0,
    )
    return DataSpectrum(np.concatenate([th, lt]), np.concatenate([yk, np.sqrt(yt)]), meta)


def spectrum_from_features(
    X,
    f,
    kernel="rbf",
    *,
    modes=None,
    rank=None,
    seed=0,
    max_dense=MAX_DENSE,
    standardize=False,
    passes=2,
    tail=False,
    client=None,
    on_step=None,
    **kernel_params,
) -> DataSpectrum:
    """Spectrum of a kernel on the rows of X with target values f.

    ``kernel``: a name, a callable ``kernel(X, Z, **kernel_params)`` → Gram block, or a scikit-learn
    kernel object (:func:`kernel_matrix`, :mod:`rgflow.kernels`). ``standardize``: zero-mean,
    unit-variance columns first (otherwise a warning when their scales differ by more than 100×).

    Dense (default): :func:`spectrum_from_gram` on K(X, X), N ≤ ``max_dense``; the kernel matrix is
    factorized in place (LAPACK ``syevr``): 16·N² bytes of arrays, ≈ 21·N² resident (``bench/large_n.py``).
    Top k (``modes=k``): :func:`top_eigenpairs`, the kernel operator applied block by block (never
    stored, O(N·k) memory, any N), ``passes`` passes over it, the eigenvalue error stated per mode
    in ``meta`` and the target power outside the k modes kept as ``dropped_power`` (with ``tail=True``
    completed to N modes by :func:`extrapolate_tail`, normalized to the measured tail trace and power). Nyström
    (``rank=m``, kept for speed; only its top eigenvalues are accurate): m landmarks Z drawn without
    replacement (``seed``), B = K(X, Z) W^{-1/2} (W = K(Z, Z), eigenvalues of W below m·ε·max dropped),
    λ_k = s_k²/N and u_k from the thin SVD B = U S Vᵀ. ``client``: a dask.distributed Client that
    computes the row blocks of the ``modes`` path; ``on_step(done, total)``: its progress, per row block.

    Returns a :class:`DataSpectrum` (``lam, y = spectrum``; ``meta``). Raises ValueError on bad input
    (including N > ``max_dense`` without ``modes`` or ``rank``).

    Examples
    --------
    >>> import numpy as np, rgflow
    >>> from rgflow.data import spectrum_from_features
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> f = np.sin(X[:, 0])
    >>> lam, y = spectrum_from_features(X, f, kernel="rbf")
    >>> len(lam), bool(np.isclose(np.sum(y**2), np.mean(f**2)))           # Σ_k y_k² = mean of f²
    (200, True)
    >>> rgflow.Model.from_spectrum(rgflow.Measured(lam, y), P=50, kappa=0.1)
    Model(alpha=None, beta=None, P=50, kappa=0.1, U=0.0, cutoff=200, ridge='renormalized')
    """
    from .kernels import resolve_kernel

    X = standardize_features(X, standardize=bool(standardize))
    N = X.shape[0]
    f = check_target_values(f, N)
    kern = resolve_kernel(kernel, X.shape[1], kernel_params)  # validate before any heavy work
    meta = {
        "kernel": kern.name,
        **{
            k: (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v))
            for k, v in kernel_params.items()
        },
    }
    if standardize:
        meta["standardized"] = True
    if modes is not None and rank is not None:
        raise ValueError("give modes (top-k eigenpairs) or rank (Nyström), not both")
    if modes is not None:
        s = top_eigenpairs(X, f, kern, modes, passes=passes, seed=seed, client=client, on_step=on_step)
        s = DataSpectrum(s.eigenvalues, s.target, {**meta, **s.meta})
        return extrapolate_tail(s) if tail else s
    if rank is None:
        max_dense = check_int("max_dense", max_dense)
        if N > max_dense:
            raise ValueError(
                f"X has N = {N} > max_dense = {max_dense} samples: the dense path needs about "
                f"{16 * N * N / 1e9:.1f} GB; pass modes=k (the top k eigenpairs, O(N·k) memory)"
            )
        A = kern(X, X)
        _check_symmetric(A, kern.name)
        A /= N
        lam, U = _eigh_inplace(A)  # reads one triangle: symmetric to the checked rounding
        s = _positive_modes(lam, U, f, N, {"method": "dense"})
        return DataSpectrum(s.eigenvalues, s.target, {**meta, **s.meta})
    m = check_int("rank", rank)
    if m > N:
        raise ValueError(f"rank must be an integer in [1, N = {N}], got {rank!r}")
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    Z = X[np.sort(rng.choice(N, m, replace=False))]
    w, Q = np.linalg.eigh(kern(Z, Z))
    keep = w > m * np.finfo(float).eps * w.max()
    Winv_half = Q[:, keep] / np.sqrt(w[keep])
    B = np.empty((N, int(keep.sum())))
    chunk = max(1, 2**24 // max(m, 1))  # K(X, Z) in row blocks of ≈ 128 MB
    for i in range(0, N, chunk):
        B[i : i + chunk] = kern(X[i : i + chunk], Z) @ Winv_half
    U, S, _ = np.linalg.svd(B / math.sqrt(N), full_matrices=False)
    return _positive_modes(S**2, U, f, N, {**meta, "method": "nystrom", "rank": m, "seed": int(seed)})


# ------------------------------------------------------------------------------------ files


def save_spectrum(path, eigenvalues, target, **meta) -> pathlib.Path:
    """Write a spectrum to ``.npz`` (arrays ``eigenvalues``, ``target``, ``meta`` as JSON) or ``.csv``
    (a ``# key=value`` line, then columns ``eigenvalue,target``), atomically. Validated first."""
    from ._io import atomic_write

    lam, y = check_spectrum(eigenvalues, target)
    path = pathlib.Path(path)
    meta_json = json.dumps(meta, default=str, allow_nan=False)
    if path.suffix == ".npz":
        buf = io.BytesIO()
        np.savez(buf, eigenvalues=lam, target=y, meta=np.array(meta_json))
        atomic_write(path, buf.getvalue())
    elif path.suffix == ".csv":
        head = "# " + " ".join(f"{k}={str(v).replace(' ', '_')}" for k, v in meta.items())
        rows = "\n".join(f"{a!r},{b!r}" for a, b in zip(lam.tolist(), y.tolist()))
        atomic_write(path, f"{head}\neigenvalue,target\n{rows}\n")
    else:
        raise ValueError(f"path must end in .npz or .csv, got {str(path)!r}")
    return path


def _read_csv(path):
    from ._io import read_text_input

    names, rows = None, []
    for no, line in enumerate(read_text_input(path, "spectrum file").splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        cells = [c.strip() for c in s.split(",")]
        if names is None:
            names = cells
            missing = [c for c in ("eigenvalue", "target") if c not in names]
            if missing:
                raise ValueError(
                    f"{path}: the header must name the columns eigenvalue,target; "
                    f"missing {', '.join(missing)} (header {s[:80]!r})"
                )
            continue
        if len(cells) != len(names):
            raise ValueError(f"{path}: line {no} has {len(cells)} columns, the header {len(names)} (unequal lengths)")
        try:
            rows.append([float(c) for c in cells])
        except ValueError:
            raise ValueError(f"{path}: line {no} is not numeric: {s[:80]!r}") from None
    if names is None:
        raise ValueError(f"{path}: empty file (no header eigenvalue,target)")
    data = np.array(rows, dtype=float).reshape(len(rows), len(names))
    return data[:, names.index("eigenvalue")], data[:, names.index("target")], {}


_JSON_KINDS = {
    int: "a number",
    float: "a number",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    type(None): "null",
}


def _read_npz(path):
    from ._io import read_npz

    arrays = read_npz(path, "spectrum file", ("eigenvalues", "target"), ("meta",), strings=("meta",))
    meta = {}
    if "meta" in arrays:
        try:
            meta = json.loads(arrays["meta"])
        except (ValueError, RecursionError):
            raise ValueError(f"{path}: meta is not readable JSON (or nested too deeply)") from None
        if not isinstance(meta, dict):
            raise ValueError(
                f"{path}: meta must be a JSON object (key: value), got {_JSON_KINDS.get(type(meta), type(meta).__name__)}"
            )
    return arrays["eigenvalues"], arrays["target"], meta


def _check_meta(path, meta) -> dict:
    """The numbers of ``meta`` that rgflow reads (dropped_power, mean_f2) must be finite and >= 0."""
    for key in ("dropped_power", "mean_f2"):
        if key in meta:
            v = meta[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"{path}: meta {key} must be a finite number >= 0, got {str(v)[:40]!r}")
    return meta


def load_spectrum(path) -> DataSpectrum:
    """Read a spectrum file: ``.npz`` with arrays ``eigenvalues`` and ``target`` (optional ``meta``, a JSON
    object), or ``.csv`` with columns ``eigenvalue,target`` and optional ``#`` comment lines.

    The file is untrusted: it is read by the bounded readers of :mod:`rgflow._io` (sizes checked before
    reading: at most ``MAX_INPUT_ELEMENTS`` = 10⁸ values per array, 256 MiB of CSV; a zip bomb is refused
    without inflating it). Raises ValueError (naming the file) on a missing file, a directory or FIFO,
    an unreadable, corrupt or truncated archive, arrays that are not 1-D real numbers (bool, complex,
    string and record arrays are refused, never converted), unequal lengths, NaN/inf, non-positive or
    not descending eigenvalues, an empty spectrum, or a meta that is not a JSON object.
    """
    from ._io import check_input_file

    path = pathlib.Path(path)
    if path.suffix not in (".npz", ".csv"):
        raise ValueError(f"spectrum file must end in .npz or .csv, got {str(path)!r}")
    check_input_file(path, "spectrum file")
    lam, y, meta = (_read_npz if path.suffix == ".npz" else _read_csv)(path)
    for name, arr in (("eigenvalues", lam), ("target", y)):
        if np.ndim(arr) != 1:
            raise ValueError(f"{path}: {name} must be a 1-D array, got shape {np.shape(arr)}")
    lam, y = np.asarray(lam, dtype=float), np.asarray(y, dtype=float)
    if lam.size != y.size:
        raise ValueError(f"{path}: eigenvalues and target have unequal lengths ({lam.size} and {y.size})")
    try:
        lam, y = check_spectrum(lam, y)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return DataSpectrum(lam, y, _check_meta(path, meta))


# ------------------------------------------------------------------------------------ fits


def _ols(x, z, w=None):
    """z = a + b x by (weighted) least squares: (a, b, se_a, se_b, rms residual); the standard errors
    from the weighted residual scatter."""
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    sw = np.sqrt(w)
    Xd = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(Xd * sw[:, None], z * sw, rcond=None)
    res = z - Xd @ coef
    dof = len(z) - 2
    s2 = float(np.sum(w * res**2)) / dof if dof > 0 else np.nan
    cov = s2 * np.linalg.inv((Xd * w[:, None]).T @ Xd)
    return coef[0], coef[1], math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1]), float(np.sqrt(np.mean(res**2)))


def _window(n, k_lo, k_hi):
    k_lo = check_int("k_lo", k_lo)
    k_hi = n if k_hi is None else check_int("k_hi", k_hi)
    if not k_lo < k_hi <= n:
        raise ValueError(f"the window must satisfy 1 <= k_lo < k_hi <= {n} (modes), got [{k_lo}, {k_hi}]")
    if k_hi - k_lo + 1 < 3:
        raise ValueError(f"the window [{k_lo}, {k_hi}] must hold at least 3 modes")
    return k_lo, k_hi


def fit_power_law(eigenvalues, target, k_lo=1, k_hi=None, bins_per_decade=10) -> dict:
    """Fit λ_k = A k^-(1+α) and y_k² = B k^-(1+β) on the window k_lo ≤ k ≤ k_hi.

    λ: least squares of ln λ_k on ln k over every k in the window. y²: the raw y_k² of real data
    scatter over decades (one mode's coefficient is one random projection), so they are averaged in
    logarithmic bins (``bins_per_decade`` per factor 10, bins holding no integer merged) and ln of the
    bin mean is fitted on ln of the bin's geometric-mean k, each bin weighted by its number of modes
    (the variance of ln of a mean of n independent powers falls as 1/n); bins with zero power are
    skipped.
    Uncertainties (``*_err``) are the least-squares standard errors from the residual scatter,
    treating residuals as independent: a local statistical error only; the systematic one is the drift
    of the exponents across windows (:func:`exponent_drift`).

    Returns a dict: A, alpha, B, beta, A_err, alpha_err, B_err, beta_err, k_lo, k_hi, bins,
    rms_lambda, rms_target (RMS residuals in ln).
    """
    lam, y = check_spectrum(eigenvalues, target)
    k_lo, k_hi = _window(lam.size, k_lo, k_hi)
    bpd = check_real("bins_per_decade", bins_per_decade, low=0, low_open=True)
    k = np.arange(k_lo, k_hi + 1, dtype=float)
    a, b, sa, sb, rms_l = _ols(np.log(k), np.log(lam[k_lo - 1 : k_hi]))
    nb = max(3, int(math.ceil(bpd * math.log10((k_hi + 1) / k_lo))))
    edges = np.unique(np.ceil(np.geomspace(k_lo, k_hi + 1, nb + 1) - 1e-9).astype(int))
    edges[-1] = k_hi + 1
    y2 = y * y
    xs, zs, ws = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi <= lo:
            continue
        p = float(np.mean(y2[lo - 1 : hi - 1]))
        if p > 0:
            xs.append(0.5 * (math.log(lo) + math.log(hi - 1)))
            zs.append(math.log(p))
            ws.append(hi - lo)
    if len(xs) < 3:
        raise ValueError(
            f"the window [{k_lo}, {k_hi}] gives {len(xs)} bins with target power; need at least 3 "
            "(widen the window or raise bins_per_decade)"
        )
    c, e, sc, se, rms_t = _ols(np.array(xs), np.array(zs), np.array(ws))
    return {
        "A": math.exp(a),
        "alpha": float(-b - 1.0),
        "B": math.exp(c),
        "beta": float(-e - 1.0),
        "A_err": math.exp(a) * sa,
        "alpha_err": sb,
        "B_err": math.exp(c) * sc,
        "beta_err": se,
        "k_lo": k_lo,
        "k_hi": k_hi,
        "bins": len(xs),
        "rms_lambda": rms_l,
        "rms_target": rms_t,
    }


def exponent_drift(eigenvalues, target, width=4.0, step=2.0, k_min=1, k_max=None, bins_per_decade=10) -> dict:
    """Fits of :func:`fit_power_law` on sliding windows [k, width·k], k = k_min·stepʲ, up to k_max
    (default: the number of modes). Returns the table as a dict of arrays (one entry per window):
    k_lo, k_hi, A, alpha, alpha_err, B, beta, beta_err."""
    lam, y = check_spectrum(eigenvalues, target)
    width = check_real("width", width, low=1, low_open=True)
    step = check_real("step", step, low=1, low_open=True)
    k_max = lam.size if k_max is None else check_int("k_max", k_max)
    if k_max > lam.size:
        raise ValueError(f"k_max must be <= the number of modes ({lam.size}), got {k_max}")
    k_min = check_int("k_min", k_min)
    keys = ("k_lo", "k_hi", "A", "alpha", "alpha_err", "B", "beta", "beta_err")
    rows = {key: [] for key in keys}
    lo = float(k_min)
    while True:
        k_lo, k_hi = int(round(lo)), int(round(lo * width))
        if k_hi > k_max:
            break
        if k_hi - k_lo + 1 >= 3:
            fit = fit_power_law(lam, y, k_lo, k_hi, bins_per_decade)
            for key in keys:
                rows[key].append(fit[key])
        lo *= step
    if not rows["k_lo"]:
        raise ValueError(f"no window [k, {width:g}·k] fits in [k_min, k_max] = [{k_min}, {k_max}]")
    return {key: np.asarray(v) for key, v in rows.items()}
