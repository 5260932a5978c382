"""The RG predictor ``rg``: a Hartree-resummed Wilsonian flow down to the non-Gaussian infrared,
the kept theory solved exactly, and an error estimate from the next order of the shell expansion.

Why the plain one-loop reading fails (issue 15). The quartic vertex is all-to-all, so a shell mode
q feels the kept modes through A_< = Σ_kept Δ_k², a large number (its mean-field value), not a small
fluctuation. The one-loop flow (:mod:`rgflow.flow`) expands the shell integral around A_< = 0, i.e.
around the bare mass: (B) flat targets, whose Hartree shift is many times r, are missed; and (A) at
small mass the few infrared modes that carry the non-Gaussian weight are far from Gaussian.

The scheme here. With a_k = 1/λ_k + r, b_k = y_k/λ_k and the Hubbard–Stratonovich mass shift m,
integrating out a shell of modes q multiplies the weight of the kept theory by exp W_q(m),

    W_q(m) = −½ ln(a_q + m) + b_q² / (2(a_q + m)),

and the RG step is the Taylor expansion of W_q in m − μ₀,

    ∂ⁿW_q = (−1)ⁿ (n−1)!/2 (c_q^n + n b_q² c_q^{n+1}),   c_q = 1/(a_q + μ₀),

i.e. ∂W = −K₁/2, ∂²W = K₂/4, ∂³W = −K₃/8 with K_n the cumulants of Δ_q² (``square_cumulants``).
The one-loop flow of :mod:`rgflow.flow` expands around μ₀ = 0 (the bare mass) and runs the mass
mode by mode; here every shell is expanded around the self-consistent Hartree mass
μ₀ = μ = u Σ_k ⟨Δ_k²⟩_μ (the background field: the tadpole resummed). At a fixed background the
flow of the kept couplings integrates in closed form (derived in derivations/derive.py §7,
derivations/EQUATIONS.md; called here as the generated ``rgflow._equations.shell_derivatives`` and
``resummed_couplings``),

    1/u(k) = 1/u + ½ Σ_{q>k} K₂_q,    r(k) = r + u(k) Σ_{q>k} (K₁_q + ½ μ K₂_q),

plus the sextic coupling −(1/48) Σ K₃ (2ix)³ of the third cumulant (a phase on the contour
m = μ + 2ix, so the weight keeps its modulus). Shells are integrated out from Λ down to k*, the
last mode whose ratio ρ_k = 2Xc_k (X: extent of the x-weight) exceeds ``rho``, keeping at least
``min_kept`` modes: every integrated-out mode has c_q |m − μ| ≤ ρ over the whole weight. The kept
theory (modes 1..k*, couplings r(k*), u(k*) and the sextic term) is solved exactly by the
trapezoid rule in x (step halved until the kept moments change by < 1e-12), and the
integrated-out modes are read with its statistics, ⟨Δ_q⟩ = ⟨b_q/(a_q + μ + 2ix)⟩, as power series
in ρ_q (the moments ⟨(2ix)ⁿ⟩ of the kept theory). Above 2·4096 modes the sums over the shells
use a quadrature in k (Euler–Maclaurin with its end correction, :func:`rgflow.scalar.compressed_modes`),
so the cost beyond the GP formulas is one pass over the modes (:func:`rgflow.scalar.series_moments`,
shared with ``exact``, as are the extent and the step-halving trapezoid).

Error estimate. The first neglected terms are δ log w = ∂⁴W (2ix)⁴/24 + ∂⁵W (2ix)⁵/120 (fourth
and fifth cumulants of the shells). Their first-order effects on every mode, ⟨O δlog w⟩ −
⟨O⟩⟨δ log w⟩, are computed on the same nodes (kept modes) and through the series coefficients
(δA_n) on the integrated-out modes: ⟨Δ_q⟩ changes by b_q c_q Σ δA_n ρ_qⁿ, Var Δ_q by
c_q Σ δA_n ρ_qⁿ + (b_q c_q)² Σ δD_n ρ_qⁿ. The variance's relative change carries b_q² c_q ρ_q²,
which grows towards k = Λ for flat targets (b_q² = y_q²/λ_q², β < α), so the shells are sampled up
to Λ: every mode of the first _WINDOW = 256 shells and beyond them every mode, or for a smooth
power law above 2·4096 modes the geometric nodes of :func:`rgflow.scalar.compressed_modes` and
k = Λ (before issue 26 only the first 256 shells were looked at, and the variance estimate
under-covered by up to 10× at β = −0.5, Λ ≥ 2000). ``error_estimate`` is ESTIMATE_SAFETY × the sum
of the two orders' largest relative sizes on the means, plus 10× the quadrature tolerance
(``var_error_estimate`` likewise for the variances). Checked on random sets
(``python bench/random_sets.py --sets 400 --seed 7 --methods rg``, and seed 99): estimate / true
error 3.00-3.01 (median 3) wherever the error exceeds 1e-9, for the means and the variances, and
the estimates cover the errors on every set; also on the issue's corners (``--corners``,
estimate/error 3.0-3.1) and on 150 sets beyond the domain, κ ∈ [1e4, 1e6] (smallest
variance estimate/error 3.0).
A RuntimeWarning is issued when the estimate exceeds 1% (WARN_ABOVE).
"""

from __future__ import annotations

import math

import numpy as np

from . import _equations as eq
from . import scalar
from .exact import hs_extent
from .model import check_real, gaussian_coefficients
from .scalar import ConvergenceError, compressed_modes, series_moments

__all__ = ["rg_moments", "ESTIMATE_SAFETY", "WARN_ABOVE"]

ESTIMATE_SAFETY = 3.0  # error_estimate = ESTIMATE_SAFETY × |first-order effect of the fourth cumulant|
WARN_ABOVE = 0.01  # warn when the error estimate exceeds this
_QUAD_TOL = 1e-12  # relative change of the kept moments between two halvings of the x-step
_PROBE = 4096  # modes used for the upper bound of the weight when choosing the extent X
_EXPLICIT = 4096  # modes summed one by one; the sums over the modes above enter by quadrature
_MAX_HALVINGS = 11  # of the x-step of the kept theory's quadrature (12 levels)
_WINDOW = 256  # shells k*+1..k*+_WINDOW always enter the error estimate mode by mode


def _compressed(model, a, b2):
    """(a_q, b_q², w_q, explicit): the modes 1.._EXPLICIT as they are (w = 1), the rest as the
    quadrature nodes of :func:`rgflow.scalar.compressed_modes` (w = None: every mode explicit)."""
    cm = compressed_modes(model, _EXPLICIT)
    if cm is None:
        return a, b2, None, len(a)
    k, w = cm
    lam = model.eigenvalues(k[_EXPLICIT:])
    return (
        np.concatenate([a[:_EXPLICIT], 1.0 / lam + model.r]),
        np.concatenate([b2[:_EXPLICIT], (model.target(k[_EXPLICIT:]) / lam) ** 2]),
        w,
        _EXPLICIT,
    )


def _shell_samples(model, k_star):
    """(λ, y) of the integrated-out modes at which the error estimate is evaluated: every mode
    k*+1..k*+_WINDOW, and above it every mode (measured spectra, Λ ≤ 2·4096) or the geometric
    quadrature nodes of :func:`rgflow.scalar.compressed_modes` in (k* + _WINDOW, Λ] with k = Λ itself
    (smooth power laws: the relative effects are smooth in k, so their largest value over the
    shells is within a node spacing, ≤ 2 % in k, of the largest over the nodes)."""
    lam, y = model.eigenvalues(), model.target()
    n, top = model.cutoff, min(model.cutoff, k_star + _WINDOW)
    cm = compressed_modes(model, _EXPLICIT) if n > top else None
    if cm is None:
        return lam[k_star:], y[k_star:]
    k = cm[0][cm[0] > top]
    k = np.append(k[k < n], float(n))
    return np.concatenate([lam[k_star:top], model.eigenvalues(k)]), np.concatenate([y[k_star:top], model.target(k)])


def _wsum(w, f):
    return float(np.sum(f)) if w is None else float(w @ f)


def _background(aq, b2q, wq, n, u, shift):
    """The Hartree background μ = u Σ_k (c_k + b_k² c_k²), c = 1/(a + μ) (bracketed root).

    The background need not be the exact saddle: the shell expansion around it and the kept
    theory keep every linear term.
    """
    from .exact import _saddle

    if wq is None:
        return _saddle(aq, b2q, u, shift)
    # the first n modes (weight 1) as they are, the quadrature nodes as the solver's weighted tail
    at, b2t, wt = aq[n:], b2q[n:], wq[n:]

    def tail(mu):  # (Σ w(c + b²c²), Σ w(c² + 2b²c³)) of the nodes, c = 1/(a + μ)
        c = 1.0 / (at + mu)
        return float(wt @ (c * (1.0 + b2t * c))), float(wt @ (c * c * (1.0 + 2.0 * b2t * c)))

    return _saddle(aq[:n], b2q[:n], u, shift, tail=tail)


def rg_moments(model, *, rho: float = 0.5, min_kept: int = 16) -> tuple:
    """⟨Δ_k⟩, Var Δ_k of every mode by the Hartree-resummed RG with an exact kept theory.

    Parameters
    ----------
    model : Model
    rho : float in (0, 0.5]
        Stop the flow at the last mode with ρ_k = 2Xc_k > rho (ρ bounds the shell's expansion ratio).
    min_kept : int ≥ 1
        Keep at least this many infrared modes (fewer if Λ is smaller).

    Returns
    -------
    (mean, var, info) with info keys ``error_estimate`` (bound on max_k |⟨Δ_k⟩/⟨Δ_k⟩_exact − 1|),
    ``var_error_estimate`` (the same bound for the variances),
    ``k_star``, ``r_kstar``, ``u_kstar`` (running couplings of the kept
    theory), ``mu`` (Hartree background), ``nodes``.
    """
    rho = check_real("rho", rho, low=0.0, high=0.5, low_open=True)
    if isinstance(min_kept, bool) or not isinstance(min_kept, (int, np.integer)) or min_kept < 1:
        raise ValueError(f"min_kept must be an integer >= 1, got {min_kept!r}")
    a, b = gaussian_coefficients(model)
    u, n = model.u, model.cutoff
    aq, b2q, wq, n_explicit = _compressed(model, a, b * b)
    shift = u * _wsum(wq, (1.0 + b2q / aq) / aq) if u > 0.0 else 0.0  # ≥ μ (saddle at μ = 0)
    if shift / a[0] < 1e-17:  # U = 0 (or a quartic below 1e-17 relative): the GP is exact
        return (
            b / a,
            1.0 / a,
            {"error_estimate": shift / a[0], "k_star": 0, "r_kstar": model.r, "u_kstar": u, "mu": shift, "nodes": 0},
        )
    mu = _background(aq, b2q, wq, n_explicit, u, shift)
    c = 1.0 / (aq + mu)
    M2 = b2q * c * c  # ⟨Δ_k⟩² and G_k = c_k of the background Gaussian
    curv = 1.0 / (2.0 * u) + 0.5 * _wsum(wq, c * c) + _wsum(wq, c * M2)
    sigma = 0.5 / math.sqrt(curv)
    X = hs_extent(c, b2q, u, sigma, what="the Hubbard–Stratonovich weight of the kept theory")
    ratio = 2.0 * X * c[:_EXPLICIT]
    k_star = max(min(n, int(min_kept)), int(np.count_nonzero(ratio > rho)))
    if wq is not None and k_star >= _EXPLICIT:  # the kept theory reaches into the quadrature nodes
        aq, b2q, wq = a, b * b, None
        c = 1.0 / (aq + mu)
        k_star = max(min(n, int(min_kept)), int(np.count_nonzero(2.0 * X * c > rho)))

    # --- the flow from Λ to k*: shells expanded around the Hartree background (closed form) -----
    # generated in derivations/derive.py §7 (derivations/EQUATIONS.md): ∂ⁿW_q(μ) of every shell,
    # n = 1..3 the cumulant expansion of the shells (∂ⁿW = (−1)ⁿ κ_n/2ⁿ), n = 4, 5 the first neglected
    # orders (the error estimate); the kept couplings 1/u(k) = 1/u + 2W₂, r(k) = r + u(k)(2μW₂ − 2W₁)
    ws = None if wq is None else wq[k_star:]
    W = [0.0] + [_wsum(ws, d) for d in eq.shell_derivatives(c[k_star:], b2q[k_star:])]
    dr, u_k = eq.resummed_couplings(u, mu, W[1], W[2])
    r_k = model.r + dr
    lam, y = model.eigenvalues(), model.target()
    M = model.r + mu

    # --- the kept theory on the contour m = μ + 2ix, solved exactly -------------------------------
    cI, bI = c[:k_star], b[:k_star]
    b2I = bI * bI
    h = min(sigma / 2.0, 1.0 / (12.0 * float(c[0])))
    # the integrated-out modes are read by series in ρ_q = 2Xc_q ≤ ρ of the first of them
    n_terms = 1
    if n > k_star:
        r_first = 2.0 * X / (a[k_star] + mu)
        n_terms = max(1, math.ceil(math.log(scalar.SERIES_EPS) / math.log(max(r_first, 1e-300))))
    npow = np.arange(n_terms)

    def accumulate(xs, cw):
        """Σ over the nodes of cw·w·(t^n, c_m, d, d²) and, per neglected order q, of cw·w·q·(1, d, c_m + d², t^n)
        (cw: the trapezoid multipliers, ½ at x = 0)."""
        s = 2j * xs
        z = s[:, None] * cI
        cm = cI / (1.0 + z)  # 1/(a + μ + 2ix) of the kept modes
        # the kept theory: quartic u(k), mass shift m − δr = μ − δr + 2ix, and the shells' sextic W₃s³/6
        # (= (μ + s)²/(4u) + W₁s + W₂s²/2 + W₃s³/6 up to a constant; the linear term cancels at the saddle)
        logw = (
            (1j * (mu - dr) * xs - xs * xs) / u_k
            + W[3] * s**3 / 6.0
            - np.sum(0.5 * np.log1p(z) + b2I * cI * cm * (1j * xs[:, None]), axis=1)
        )
        w = np.exp(logw) * cw
        d = -bI * z * cm  # b/(a + m) − b/(a + μ)
        tn = (xs / X)[:, None] ** npow
        out = [w @ tn, w @ cm, w @ d, w @ (d * d)]
        for order in (4, 5):
            wq_ = w * (W[order] * s**order / math.factorial(order))
            out += [wq_.sum(), wq_ @ d, wq_ @ (cm + d * d), wq_ @ tn]
        return out

    prev = [None]

    def done(sums, level, nodes):
        Z = sums[0][0].real
        dm = sums[2].real / Z
        mean_I = bI * cI + dm
        var_I = sums[1].real / Z + sums[3].real / Z - dm**2
        if prev[0] is not None and (
            np.max(np.abs(mean_I / prev[0][0] - 1)) <= _QUAD_TOL and np.max(np.abs(var_I / prev[0][1] - 1)) <= _QUAD_TOL
        ):
            return sums, Z, dm, mean_I, var_I
        if level == _MAX_HALVINGS:
            raise ConvergenceError(f"the x-quadrature of the kept theory did not converge in {_MAX_HALVINGS} halvings")
        prev[0] = (mean_I, var_I)
        return None

    (sums, Z, dm, mean_I, var_I), nodes = scalar.trapezoid(
        accumulate, 0.0, X, h, done, max_halvings=_MAX_HALVINGS, half_at_lo=True, what="the kept theory's x-quadrature"
    )

    phase = (-1j) ** npow
    A = (phase * sums[0]).real / Z  # A_n = Re((−i)^n ⟨t^n⟩): ⟨(−c(m − μ))^n⟩ = A_n ρ^n
    mean, var = np.empty(n), np.empty(n)
    mean[:k_star], var[:k_star] = mean_I, var_I
    if n > k_star:
        series_moments(lam[k_star:], y[k_star:], M, 2.0 * X, A, mean=mean[k_star:], var=var[k_star:])

    # --- error estimate: first-order effect of each neglected order q on every mode -----------------
    # δ⟨O⟩ = ⟨O q⟩ − ⟨O⟩⟨q⟩ on the kept modes; on the shells through the series coefficients
    # the shells enter through their λ, y at sample positions: every shell up to k* + _WINDOW, and above
    # it (smooth power laws, Λ > 2·4096) the geometric nodes of compressed_modes up to k = Λ itself,
    # since the variance's relative effect grows like b_q²c_q ρ_q² (~ k^(1+2α−β) ρ_q² c_q) towards Λ
    lam_s, y_s = _shell_samples(model, k_star)
    if len(lam_s):
        inv = 1.0 / (1.0 + M * lam_s)
        c_s, bc_s = lam_s * inv, y_s * inv
        rr = 2.0 * X * c_s
        mean_s, var_s = series_moments(lam_s, y_s, M, 2.0 * X, A)
    worst_m = worst_v = 0.0
    for j in (4, 8):
        Qm = sums[j].real / Z
        dd = sums[j + 1].real / Z - Qm * dm  # δ⟨d⟩ = δ mean
        d2 = sums[j + 2].real / Z - Qm * (sums[1].real + sums[3].real) / Z  # δ⟨c_m + d²⟩
        em = float(np.max(np.abs(dd / mean_I)))
        ev = float(np.max(np.abs((d2 - 2.0 * dm * dd) / var_I)))
        if len(lam_s):
            B = (phase * sums[j + 3]).real / Z - Qm * A  # δA_n (δA_0 = 0)
            pB = np.polyval(B[::-1], rr)
            # δQ: δD_n = (n−1)B_n − 2 Σ_{i=1}^{n−1} A_i B_{n−i}
            dD = np.array(
                [
                    (n_ - 1) * B[n_] - 2.0 * float(np.dot(A[1:n_], B[n_ - 1 : 0 : -1])) if n_ >= 2 else 0.0
                    for n_ in range(len(A))
                ]
            )
            dv = c_s * pB + bc_s**2 * np.polyval(dD[::-1], rr)
            em = max(em, float(np.max(np.abs(bc_s * pB / mean_s))))
            ev = max(ev, float(np.max(np.abs(dv / var_s))))
        worst_m += em
        worst_v += ev
    est = ESTIMATE_SAFETY * worst_m + 10.0 * _QUAD_TOL
    if not (math.isfinite(est) and math.isfinite(worst_v)):
        raise FloatingPointError(
            f"rg's error estimate is not finite (the cumulant sums of the kept theory overflow "
            f"float64 at k*={k_star}, u(k*)={u_k:.3g}): use 'exact' or 'mean-field'"
        )
    info = {
        "error_estimate": est,
        "var_error_estimate": ESTIMATE_SAFETY * worst_v + 10.0 * _QUAD_TOL,
        "k_star": int(k_star),
        "r_kstar": r_k,
        "u_kstar": u_k,
        "mu": mu,
        "nodes": nodes,
    }
    if est > WARN_ABOVE:
        import warnings

        warnings.warn(
            f"rg's error estimate is {est:.2g} (> {WARN_ABOVE}): the shell expansion around the Hartree "
            f"mass is not small at k*={k_star}; check with 'exact'",
            RuntimeWarning,
            stacklevel=4,
        )
    return mean, var, info
