"""Two-variable scaling of the training loss in data size P and model size Λ (issue 9, part 1).

The surface
-----------
``loss_surface`` evaluates ⟨L⟩/P = Σ_{k≤Λ} ⟨Δ_k²⟩ (bias Σ⟨Δ_k⟩², variance Σ Var Δ_k) on a grid of
P (training samples, at fixed ridge κ: r = P/κ) and Λ (the cutoff = kernel rank = model size; Λ < P
is allowed). Any predictor method; at U = 0 the GP sums are cumulated over k once per P (fast).

The scaling hypothesis
----------------------
λ^c L(P, Λ) = L(λ^a P, λ^b Λ) ⇔ (c − aP∂_P − bΛ∂_Λ) L = 0 ⇔ L = P^{c/a} W(Λ/P^{b/a}); only the
ratios c/a, b/a are identifiable (we report a = 1).

Theory (GP, U = 0, continuum approximation; A = 1 + α, r = P/κ)
---------------------------------------------------------------
Replace Σ_{k=1}^{Λ} by ∫_0^Λ dk and substitute k = r^{1/A} x (so rλ_k = x^-A):

    bias(P, Λ)     = ∫_0^Λ k^-(1+β)/(1 + r k^-A)² dk = r^{-β/A} W_b(z),  W_b(z) = ∫_0^z x^{2A-1-β}/(1 + x^A)² dx
    variance(P, Λ) = ∫_0^Λ k^-A/(1 + r k^-A) dk      = r^{-α/A} W_v(z),  W_v(z) = ∫_0^z dx/(1 + x^A)

with z = Λ/r^{1/A} = κ^{1/A} Λ/P^{1/A}. Hence both parts have the scaling form, with

    b/a = 1/(1+α) for both;   c/a = −β/(1+α) (bias),   c/a = −α/(1+α) (variance),

and in the variable x = Λ/P^{b/a} of the collapse: W_bias(x) = κ^{β/A} W_b(κ^{1/A} x),
W_var(x) = κ^{α/A} W_v(κ^{1/A} x). The bias form needs β < 2(1+α) (W_b converges at x → 0; for
larger β the learned modes dominate the bias, ∝ r^-2, and it has no Λ-scaling to speak of).
Closed forms (v = 1/(1 + z^A), B(v; p, q) the unnormalized incomplete beta; these are
:func:`rgflow.curves.continuum_bias` / ``continuum_variance`` at r = 1, k_lo = 0):

    W_b(z) = [B(β/A, 2 − β/A) − B(v; β/A, 2 − β/A)]/A
    W_v(z) = [B(α/A, 1/A) − B(v; α/A, 1/A)]/A = z · ₂F₁(1, 1/A; 1 + 1/A; −z^A)

The loss = bias + variance = r^{-α/A}[W_v(z) + r^{(α−β)/A} W_b(z)] is *not* a single scaling
form unless α = β: along fixed z the part with the smaller exponent wins (the variance if α < β,
as at the paper's α = 0.2, β = 0.3), and the other part is a correction ∝ P^{-|β−α|/A} (slow:
P^-0.083 at the paper's values). Each part is fitted separately, plus the total.

Limits:
* z → ∞ (Λ ≫ (P/κ)^{1/A}, data-limited): W_b → B(β/A, 2 − β/A)/A, W_v → B(α/A, 1/A)/A, i.e. the
  learning-curve power laws of :mod:`rgflow.curves`, independent of Λ; the finite-Λ deficit is the
  unlearned tail beyond the cutoff, W_b(∞) − W_b(z) ≈ z^-β/β and W_v(∞) − W_v(z) ≈ z^-α/α, i.e.
  bias(∞) − bias(Λ) ≈ Λ^-β/β and variance(∞) − variance(Λ) ≈ Λ^-α/α (P-independent).
* z → 0 (Λ ≪ (P/κ)^{1/A}, model-size-limited: every kept mode is learned, rλ_k ≫ 1):
  W_b ≈ z^{2A−β}/(2A − β), W_v ≈ z, i.e. bias ≈ Λ^{2+2α−β}/((2+2α−β) r²), variance ≈ Λ/r = κΛ/P
  (each learned mode leaves 1/r of variance): L ∝ P^-1 at fixed small Λ.
  Note the sign: in this model the cutoff truncates the target as well as the kernel (y_k exists
  only for k ≤ Λ), so at fixed P the training loss *grows* with Λ; Λ^-β appears only as the
  deficit bias(∞) − bias(Λ) at large Λ. There is no Kaplan-type floor "loss ∝ Λ^-β at P → ∞"
  (that would need target power beyond the cutoff, which the model of docs/theory.md §1 does not have).

Finite-size corrections of the discrete sums (why the fitted exponents are not exact): the sum is
the midpoint rule for ∫_{1/2}^{Λ+1/2}; the excluded ∫_0^{1/2} (learned modes, integrand ≈ 1/r)
shifts the variance by −1/(2r), a relative correction ≈ r^{-1/A}/(2W_v) in the data-limited
region; for the bias the same piece is O(r^-2), relative O(r^{-(2−β/A)}). The +½ at the upper end
is a relative O(1/Λ) shift of z (for z ≪ 1 the two ½'s cancel: Σ_{k≤Λ} 1/r = Λ/r exactly).

The fit
-------
``fit_scaling``: least squares on ln L over the grid with the model ln L = (c/a) ln P + g(X),
X = ln Λ − (b/a) ln P, g a cubic spline (knots uniform over the X range). At fixed b/a the model
is linear, so c/a and g are solved for exactly; b/a minimizes the RMS residual. That residual, the
RMS deviation of ln L from one master curve, is the *collapse spread* (a relative deviation;
``collapse_spread`` evaluates it at given exponents). The fitted W is exp g.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .curves import _as_P_array
from .model import Model, check_real, gp_moments
from .results import Result

__all__ = [
    "Surface",
    "SurfaceFit",
    "loss_surface",
    "continuum_surface",
    "scaling_function",
    "predicted_exponents",
    "collapse_spread",
    "fit_scaling",
    "fit_surface",
    "analytic_W",
]

PARTS = ("loss", "bias", "variance")


@dataclass(frozen=True)
class Surface(Result):
    """Result of :func:`loss_surface`: ⟨L⟩/P = bias + variance on the (P, Λ) grid.

    Attributes
    ----------
    P, cutoff : ndarray of int
        The grid axes (data size P, model size Λ).
    loss, bias, variance : ndarray, shape (len(P), len(cutoff))
        ⟨L⟩/P, Σ_k ⟨Δ_k⟩² and Σ_k Var Δ_k at each grid point.
    method : str
        The predictor used.
    params : dict
        The fixed parameters (alpha, beta, kappa, U).

    Examples
    --------
    >>> import rgflow
    >>> surf = rgflow.loss_surface([100, 1000], [100, 1000], alpha=0.2, beta=0.3, kappa=4.0, method="gp")
    >>> print(surf.loss.round(4))              # rows P, columns Λ
    [[1.5165 2.6106]
     [0.3345 1.128 ]]
    """

    P: np.ndarray
    cutoff: np.ndarray
    loss: np.ndarray
    bias: np.ndarray
    variance: np.ndarray
    method: str
    params: dict = field(default_factory=dict)

    def _columns(self) -> dict:
        """Flat columns P, cutoff, loss, bias, variance (one row per grid point, P-major)."""
        PP, LL = np.meshgrid(self.P, self.cutoff, indexing="ij")
        return {"P": PP.ravel(), "cutoff": LL.ravel(), **{k: getattr(self, k).ravel() for k in PARTS}}

    def _data(self) -> dict:
        """P, cutoff (integers), loss/bias/variance as nested lists [i_P][i_cutoff], method."""
        return {"P": self.P, "cutoff": self.cutoff, **{key: getattr(self, key) for key in PARTS}, "method": self.method}


@dataclass(frozen=True)
class SurfaceFit(Result):
    """Result of :func:`fit_surface`: the exponents of L = P^{c/a} W(Λ/P^{b/a}) fitted and predicted.

    Attributes
    ----------
    parts : dict
        Per part (loss, bias, variance) a dict ``fitted`` {c/a, b/a}, ``stderr`` {c/a, b/a}
        (see :func:`fit_scaling`), ``dof`` (residual degrees of freedom), ``predicted`` (the GP
        exponents: b/a = 1/(1+α), c/a = −β/(1+α) for the bias, −α/(1+α) for the variance),
        ``spread_fitted``, ``spread_predicted`` (RMS residual of ln L).
    dominant : str
        The part that dominates the loss.
    params : dict
        The surface's parameters.

    Examples
    --------
    >>> import rgflow
    >>> from rgflow.surface import fit_surface
    >>> surf = rgflow.loss_surface("100:1e4:8", "100:1e4:8", alpha=0.2, beta=0.3, kappa=4.0, method="gp")
    >>> bias = fit_surface(surf, parts=("bias",)).parts["bias"]
    >>> print(f"c/a = {bias['fitted']['c/a']:.3f} (predicted {bias['predicted']['c/a']:.3f})")
    c/a = -0.249 (predicted -0.250)
    """

    parts: dict
    dominant: str
    params: dict = field(default_factory=dict)

    def _data(self) -> dict:
        """{part: {fitted, stderr, dof, predicted, spread_fitted, spread_predicted}, ..., dominant}."""
        return {**self.parts, "dominant": self.dominant}

    def _columns(self) -> dict:
        """One row per part: fitted and predicted c/a, b/a and the two spreads."""
        names = list(self.parts)
        col = lambda f: [f(self.parts[n]) for n in names]  # noqa: E731
        return {
            "part": names,
            "fitted_c_a": col(lambda d: d["fitted"]["c/a"]),
            "fitted_b_a": col(lambda d: d["fitted"]["b/a"]),
            "stderr_c_a": col(lambda d: d["stderr"]["c/a"]),
            "stderr_b_a": col(lambda d: d["stderr"]["b/a"]),
            "predicted_c_a": col(lambda d: d["predicted"]["c/a"]),
            "predicted_b_a": col(lambda d: d["predicted"]["b/a"]),
            "spread_fitted": col(lambda d: d["spread_fitted"]),
            "spread_predicted": col(lambda d: d["spread_predicted"]),
        }


def loss_surface(
    P_values,
    cutoff_values,
    alpha,
    beta,
    kappa,
    U=0.0,
    method="rg",
    *,
    spectrum=None,
    ridge="bare",
    width=None,
    depth=1,
    parameterization="standard",
    **options,
) -> Surface:
    """⟨L⟩/P = Σ_{k≤Λ}⟨Δ_k²⟩, bias and variance for every (P, Λ) of the grid, κ fixed (r = P/κ).

    At U = 0 with the bare ridge every deterministic method is the GP (docs/theory.md §4 check 1), computed by
    cumulative sums of y_k²/(1+rλ_k)² and λ_k/(1+rλ_k) over k; otherwise (U > 0, or
    ``ridge="renormalized"``, whose r = 1/K depends on Λ) ``rgflow.predict.predict`` per grid point.
    :func:`fit_surface` fits the scaling collapse L = P^{c/a} W(Λ/P^{b/a}).

    Parameters
    ----------
    P_values, cutoff_values : sequence of int ≥ 1 or str
        Data sizes P and model sizes Λ (Λ < P allowed); also strings '100,200' / 'START:STOP:NUM'.
    alpha, beta : float
        Spectrum and target exponents (None when ``spectrum`` is given).
    kappa : float > 0
        Ridge, fixed over the grid.
    U : float ≥ 0, optional
        Quartic coupling (default 0).
    method : str, optional
        One of ``METHODS`` (default ``'rg'``).
    width, depth, parameterization : optional
        A network at every grid point (:class:`rgflow.Model`, docs/networks.md).
    spectrum : PowerLaw or Measured, optional
        Replaces the power law.
    ridge : {"bare", "renormalized"}, optional
        The mass r = P/κ (default) or 1/K (:class:`rgflow.Model`).
    **options
        Passed to the method.

    Returns
    -------
    Surface
        ``P``, ``cutoff`` and ``loss``, ``bias``, ``variance`` of shape (len(P), len(cutoff)).

    Raises
    ------
    ValueError
        On bad input (the message names the parameter and the allowed range).
    FlowError, ConvergenceError
        As :func:`rgflow.predict.predict`.

    Examples
    --------
    >>> import rgflow
    >>> surf = rgflow.loss_surface("100,1000", "100,1000", alpha=0.2, beta=0.3, kappa=4.0, method="gp")
    >>> surf.loss.shape
    (2, 2)
    >>> print(f"{surf.loss[0, 0]:.5f}")          # P = Λ = 100: the loss of predict(Model(...), 'gp')
    1.51652
    """
    from .predict import ALL_METHODS as METHODS
    from .predict import predict

    Ps, Ls = _as_P_array(P_values, "P"), _as_P_array(cutoff_values, "cutoff")
    net = {"width": width, "depth": depth, "parameterization": parameterization}
    Model.build(alpha, beta, int(Ps[0]), kappa, U, int(Ls.max()), spectrum, ridge, **net)  # validate before any work
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    shape = (len(Ps), len(Ls))
    bias, var = np.empty(shape), np.empty(shape)
    U = float(U)
    if U == 0.0 and method != "langevin" and ridge == "bare" and width is None:
        m = Model.build(alpha, beta, 1, kappa, 0.0, int(Ls.max()), spectrum)
        for i, P in enumerate(Ps):
            M, G = gp_moments(m, P / m.kappa)
            bias[i] = np.cumsum(M * M)[Ls - 1]
            var[i] = np.cumsum(G)[Ls - 1]
    else:
        for i, P in enumerate(Ps):
            for j, L in enumerate(Ls):
                pred = predict(
                    Model.build(alpha, beta, int(P), kappa, U, int(L), spectrum, ridge, **net), method, **options
                )
                bias[i, j], var[i, j] = pred.bias, pred.variance
    if spectrum is None:
        params = {"alpha": float(alpha), "beta": float(beta), "kappa": float(kappa), "U": U}
    else:
        params = {**spectrum.params, "kappa": float(kappa), "U": U}
    if ridge != "bare":
        params["ridge"] = ridge
    if width is not None:
        params.update(net)
    return Surface(Ps, Ls, bias + var, bias, var, method, params)


# --- theory ----------------------------------------------------------------------------------


def scaling_function(part, alpha, beta, z):
    """W_b(z) (part 'bias') or W_v(z) (part 'variance'), z = Λ/r^{1/(1+α)} (see the module docstring)."""
    from .curves import continuum_bias, continuum_variance

    z = np.asarray(z, dtype=float)
    if part == "bias":
        if not beta < 2 * (1 + alpha):
            raise ValueError(f"the bias scaling function needs beta < 2(1+alpha) = {2 * (1 + alpha)!r}, got {beta!r}")
        return continuum_bias(alpha, beta, 1.0, z, 0.0)
    if part == "variance":
        return continuum_variance(alpha, 1.0, z, 0.0)
    raise ValueError(f"part must be 'bias' or 'variance', got {part!r}")


def continuum_surface(P_values, cutoff_values, alpha, beta, kappa) -> Surface:
    """The continuum (∫_0^Λ) GP surface: exactly of the scaling form r^{-β/A}W_b(z) + r^{-α/A}W_v(z)."""
    Ps, Ls = _as_P_array(P_values, "P"), _as_P_array(cutoff_values, "cutoff")
    Model(alpha, beta, int(Ps[0]), kappa, 0.0, int(Ls[0]))
    A = 1.0 + alpha
    r = Ps[:, None] / float(kappa)
    z = Ls[None, :] / r ** (1 / A)
    bias = r ** (-beta / A) * scaling_function("bias", alpha, beta, z)
    var = r ** (-alpha / A) * scaling_function("variance", alpha, beta, z)
    params = {"alpha": float(alpha), "beta": float(beta), "kappa": float(kappa), "U": 0.0}
    return Surface(Ps, Ls, bias + var, bias, var, "continuum", params)


def predicted_exponents(alpha, beta) -> dict:
    """GP exponents (a = 1): {'bias','variance','loss'} -> {'c/a', 'b/a'}; 'dominant' names the part
    that sets the loss at large P along fixed Λ/P^{1/(1+α)} (the smaller decay exponent)."""
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=-1.0, low_open=True)
    A = 1.0 + alpha
    out: dict = {"bias": {"c/a": -beta / A, "b/a": 1 / A}, "variance": {"c/a": -alpha / A, "b/a": 1 / A}}
    dominant = "variance" if alpha < beta else "bias" if beta < alpha else "both"
    out["loss"] = dict(out["variance" if dominant != "bias" else "bias"])
    out["dominant"] = dominant
    return out


def analytic_W(part, alpha, beta, kappa, x):
    """W in the collapse variable x = Λ/P^{1/(1+α)}: L_part = P^{c/a} W(x) (U = 0, continuum)."""
    A = 1.0 + alpha
    expo = beta if part == "bias" else alpha
    return kappa ** (expo / A) * scaling_function(part, alpha, beta, kappa ** (1 / A) * np.asarray(x, float))


# --- collapse and fit ------------------------------------------------------------------------


def _collapse_data(P, cutoff, L):
    P = np.asarray(P, dtype=float)
    cutoff = np.asarray(cutoff, dtype=float)
    L = np.asarray(L, dtype=float)
    if L.shape != (P.size, cutoff.size):
        raise ValueError(f"L must have shape (len(P), len(cutoff)) = {(P.size, cutoff.size)}, got {L.shape}")
    if P.size < 3 or cutoff.size < 3:
        raise ValueError(f"the fit needs at least 3 P values and 3 cutoffs, got {P.size} and {cutoff.size}")
    if not (np.all(np.isfinite(L)) and np.all(L > 0)):
        raise ValueError("L must be finite and > 0 everywhere on the grid")
    lnP, lnL = np.meshgrid(np.log(P), np.log(cutoff), indexing="ij")
    return lnP.ravel(), lnL.ravel(), np.log(L).ravel()


def _master_curve(X, Y, knots, extra=None):
    """Least-squares cubic spline g(X) (+ ``extra`` columns) through the points.

    Returns (rms residual, BSpline g, coefficients of the extra columns)."""
    from scipy.interpolate import BSpline

    lo, hi = X.min(), X.max()
    inner = np.linspace(lo, hi, knots)
    t = np.r_[[lo] * 3, inner, [hi] * 3]
    D = BSpline.design_matrix(np.clip(X, lo, hi), t, 3).toarray()
    n = D.shape[1]
    if extra is not None:
        D = np.column_stack([D, extra])
    # normal equations (small, banded); the tiny ridge only guards knot intervals without points
    coef = np.linalg.solve(D.T @ D + 1e-12 * np.eye(D.shape[1]), D.T @ Y)
    res = Y - D @ coef
    return float(np.sqrt(np.mean(res**2))), BSpline(t, coef[:n], 3, extrapolate=False), coef[n:]


def collapse_spread(P, cutoff, L, c_over_a, b_over_a, knots=None) -> float:
    """RMS deviation of ln L from one master curve g(ln Λ − (b/a) ln P) + (c/a) ln P (cubic spline of
    ``knots`` knots, default :func:`default_knots`)."""
    lnP, lnLam, y = _collapse_data(P, cutoff, L)
    knots = default_knots(y.size) if knots is None else int(knots)
    return _master_curve(lnLam - b_over_a * lnP, y - c_over_a * lnP, knots)[0]


MIN_DOF = 4  # residual degrees of freedom the fit needs (points − parameters)


def default_knots(points: int) -> int:
    """Knots of the master-curve spline for a grid of ``points`` points: one per 10 points, in [4, 24]."""
    return int(min(24, max(4, points // 10)))


def fit_scaling(P, cutoff, L, knots=None, b_range=None) -> dict:
    """Fit ln L = (c/a) ln P + g(ln Λ − (b/a) ln P) by least squares over the grid (g a cubic spline).

    For fixed b/a the model is linear in (c/a, spline coefficients), so c/a is solved for exactly;
    b/a minimizes the remaining RMS residual (the collapse spread): a scan of 96 values, then Brent.
    ``b_range`` bounds b/a; by default (0.02, 0.95·ln(Λ_max/Λ_min)/ln(P_max/P_min)) so that the
    curves of the extreme P still overlap in Λ/P^{b/a} (without overlap any 'collapse' is trivial).
    ``knots`` (default :func:`default_knots` of the number of grid points) sets the spline.

    Uncertainty: the standard errors of c/a and b/a from the residuals, linearized at the optimum,
    cov = s² (JᵀJ)⁻¹ with s² = RSS/(N − p), J the Jacobian in all p = spline coefficients + 2
    parameters. The residuals are mostly systematic (finite-size corrections), so these say how well
    the grid determines the exponents of the best collapse, not how far they are from the limit.

    Parameters
    ----------
    P, cutoff : sequences of numbers > 0
        the grid axes.
    L : array of shape (len(P), len(cutoff))
        the surface, finite and > 0.
    knots : int, optional
        knots of the spline g.
    b_range : (float, float), optional
        bounds of b/a.

    Returns
    -------
    dict
        {'c/a', 'b/a', 'spread' (RMS residual of ln L), 'stderr': {'c/a', 'b/a'}, 'dof', 'knots',
        'W': callable W(x) = exp g(ln x)}.

    Raises
    ------
    ValueError
        when the grid cannot determine the fit: fewer than ``MIN_DOF`` residual degrees of freedom
        (N − p), or a spline coefficient that no collapsed point constrains.
    """
    from scipy.optimize import minimize_scalar

    lnP, lnLam, y = _collapse_data(P, cutoff, L)
    knots = default_knots(y.size) if knots is None else int(knots)
    n_par = knots + 2 + 2  # spline coefficients (knots + 2), c/a and b/a
    if y.size - n_par < MIN_DOF:
        raise ValueError(
            f"the fit needs at least {n_par + MIN_DOF} grid points ({n_par} parameters: a spline of "
            f"{knots} knots, c/a and b/a, and {MIN_DOF} residual degrees of freedom), got "
            f"{y.size} = {np.unique(lnP).size} P x {np.unique(lnLam).size} cutoffs: use a larger grid"
        )
    if b_range is None:
        b_range = (0.02, 0.95 * np.ptp(lnLam) / np.ptp(lnP))
    lo, hi = (float(v) for v in b_range)
    if not 0 <= lo < hi:
        raise ValueError(f"b_range must be (low, high) with 0 <= low < high, got {b_range!r}")

    def spread(b):
        return _master_curve(lnLam - b * lnP, y, knots, extra=lnP)[0]

    bs = np.linspace(lo, hi, 96)
    i = int(np.argmin([spread(b) for b in bs]))
    if i in (0, len(bs) - 1):
        raise FloatingPointError(
            f"the collapse fit ran to the edge of its range b/a in [{lo:.4g}, {hi:.4g}]: no scaling form on this grid"
        )
    res = minimize_scalar(spread, bounds=(bs[i - 1], bs[i + 1]), method="bounded", options={"xatol": 1e-9})
    b = float(res.x)
    X = lnLam - b * lnP
    s, g, (c,) = _master_curve(X, y, knots, extra=lnP)
    # Jacobian of the model in (spline coefficients, c/a, b/a) at the optimum
    from scipy.interpolate import BSpline

    D = BSpline.design_matrix(np.clip(X, g.t[0], g.t[-1]), g.t, 3).toarray()
    J = np.column_stack([D, lnP, -lnP * g.derivative()(np.clip(X, g.t[0], g.t[-1]))])
    _, sv, Vt = np.linalg.svd(J, full_matrices=False)
    if not sv[-1] > 1e-10 * sv[0]:
        raise ValueError(
            f"the grid cannot determine the fit: the collapsed points leave part of the master curve "
            f"(a spline of {knots} knots) or the exponents unconstrained "
            f"(grid {np.unique(lnP).size} P x {np.unique(lnLam).size} cutoffs): use a larger grid"
        )
    dof = y.size - J.shape[1]
    # (JᵀJ)⁻¹ = V diag(1/σ²) Vᵀ from the SVD of J: inverting JᵀJ itself squares the condition number
    # (singular in float64 although σ_min/σ_max > 1e-10)
    cov = (y.size * s**2 / dof) * ((Vt.T / sv**2) @ Vt)
    stderr = {"c/a": float(np.sqrt(cov[-2, -2])), "b/a": float(np.sqrt(cov[-1, -1]))}
    return {
        "c/a": float(c),
        "b/a": b,
        "spread": s,
        "stderr": stderr,
        "dof": int(dof),
        "knots": knots,
        "W": lambda x: np.exp(g(np.log(np.asarray(x, float)))),
    }


def fit_surface(surface: Surface, parts=PARTS, **options) -> SurfaceFit:
    """Fitted vs predicted (GP) exponents and the collapse spreads for each part of ``surface``."""
    pa = surface.params
    if pa.get("spectrum") == "measured":
        raise ValueError(
            "fit_surface compares with the power law's predicted exponents; a surface on a measured "
            "spectrum has none (fit it with fit_scaling)"
        )
    if pa.get("ridge", "bare") != "bare":
        raise ValueError(
            "fit_surface compares with the predicted exponents of the bare ridge r = P/kappa; a surface "
            f"with ridge={pa['ridge']!r} (r = 1/K depends on P and the cutoff) has none: fit it with "
            "fit_scaling"
        )
    pred = predicted_exponents(pa["alpha"], pa["beta"])
    out = {}
    for part in parts:
        L = getattr(surface, part)
        fit = fit_scaling(surface.P, surface.cutoff, L, **options)
        out[part] = {
            "fitted": {"c/a": fit["c/a"], "b/a": fit["b/a"]},
            "stderr": fit["stderr"],
            "dof": fit["dof"],
            "predicted": pred[part],
            "spread_fitted": fit["spread"],
            "spread_predicted": collapse_spread(
                surface.P, surface.cutoff, L, pred[part]["c/a"], pred[part]["b/a"], knots=fit["knots"]
            ),
        }
    return SurfaceFit(out, pred["dominant"], dict(pa))


# --- figure 9 --------------------------------------------------------------------------------
