"""Hyperparameter transfer between dataset sizes (THEORY §4 check 6; paper Figure 4).

A model tuned at P samples (cutoff Λ = P) is moved to P' samples (cutoff Λ' = P') so that the
new model lies on the same RG trajectory:

``P' < P``   integrate the modes P'+1 … P out of the model with the generated one-loop flow; the
             running couplings (r, u) at mode k = P' are the couplings of the new model:
             κ̃ = P'/r,  Ũ = u/P'.
``P' > P``   the inverse: find (r', u') at cutoff P' whose flow, after the modes P+1 … P' are
             integrated out, lands on the model's (r, u) (2-D root finding with scipy.optimize in
             (ln r', ln u') on the same generated flow), then κ̃ = P'/r', Ũ = u'/P'.
``P' = P``   the model itself.

Only the couplings are transferred: α, β (hence λ_k and y_k of the shared modes) are unchanged.
At U = 0 the flow is trivial and the transfer keeps r and u = 0 (κ̃ = κ P'/P).

``transfer_map`` tabulates κ̃/κ and Ũ/U over P'/P and U; ``paper_systems`` gives the paper's systems.
The paper's Figure 4 and the transfer maps are drawn in ``rgflow.plotting`` (fig4, fig6).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _equations as eq
from .flow import SCHEMES, FlowError, Trajectory, flow
from .model import Model, check_int, check_model
from .results import Result

__all__ = ["transfer", "Transfer", "TransferError", "transfer_map", "TransferMap", "cli"]

#: Residual (in ln r, ln u) accepted for the inverse transfer.
ROOT_TOL = 1e-12


class TransferError(FlowError):
    """The inverse transfer (P' > P) found no couplings whose flow lands on the model."""


@dataclass(frozen=True)
class Transfer(Result):
    """Result of :func:`transfer`.

    ``source``      the original model (cutoff P)
    ``model``       the transferred model (P', κ̃, Ũ, cutoff P')
    ``trajectory``  the flow that connects them: for P' < P the flow of ``source`` (read at mode P';
                    None when a flow breaks down only at modes outside the transfer),
                    for P' > P the flow of ``model`` (it passes through the source's couplings at
                    mode P), for P' = P the flow of the model
    ``scheme``      the flow scheme used
    """

    source: Model
    model: Model
    trajectory: Trajectory
    scheme: str

    @property
    def r(self) -> float:
        """Mass of the new model, r = P'/κ̃."""
        return self.model.r

    @property
    def u(self) -> float:
        """Quartic coupling of the new model, u = Ũ P'."""
        return self.model.u

    @property
    def P(self) -> int:
        return self.model.P

    @property
    def kappa(self) -> float:
        return self.model.kappa

    @property
    def U(self) -> float:
        return self.model.U

    def _method(self) -> str:
        return "rg-transfer"

    def _params(self) -> dict:
        return dict(self.source.params)

    def _columns(self) -> dict:
        """One row: P, kappa, U, r, u of the new system."""
        m = self.model
        return {"P": [m.P], "kappa": [m.kappa], "U": [m.U], "r": [m.r], "u": [m.u]}

    def _data(self) -> dict:
        """JSON contract of ``rgflow transfer`` (exactly these keys): P, kappa, U, r, u of the new
        system (params: the old); the scheme is in the CSV header."""
        return {key: v[0] for key, v in self._columns().items()}

    def _header(self) -> dict:
        return {"scheme": self.scheme}


# ---------------------------------------------------------------------------------------------
# the flow over a segment of modes (mirrors rgflow.flow for each scheme, without running to k = 1)


def _discrete_segment(alpha, beta, r, u, k_hi, k_lo):
    """One-mode steps for the modes k_hi … k_lo+1 (the arithmetic of flow._discrete_steps)."""
    ks = np.arange(k_lo + 1, k_hi + 1, dtype=float)
    lam = (ks ** -(1.0 + alpha)).tolist()
    y = (ks ** (-(1.0 + beta) / 2.0)).tolist()
    update = eq.shell_update
    square = eq.square_cumulants
    for q in range(len(lam) - 1, -1, -1):
        d = 1.0 + r * lam[q]
        K1, K2, K3 = square(y[q] / d, lam[q] / d)
        if not u * K2 < 1.0:
            raise FlowError(f"the one-loop step is not small at mode k={k_lo + q + 1} (u·K2/2 = {u * K2 / 2:.3g})",
                            k_c=k_lo + q + 1)
        dr, du = update(u, K1, K2, K3)
        r += dr
        u += du
        if not (math.isfinite(r) and math.isfinite(u)):
            raise FlowError(f"the flow diverged at mode k={k_lo + q + 1}", k_c=k_lo + q + 1)
    return r, u


def _continuum_segment(alpha, beta, r, u, x_hi, x_lo):
    """The continuum equations integrated in x = ln k_c from x_hi down to x_lo."""
    from scipy.integrate import solve_ivp

    if x_hi == x_lo or u == 0.0:
        return r, u

    def rhs(x, z):
        dr, du = eq.continuum_rhs(z[0], z[1], math.exp(x), alpha, beta)
        return np.array([-dr, -du])

    from .flow import RTOL

    sol = solve_ivp(rhs, (x_hi, x_lo), [r, u], method="DOP853", rtol=RTOL, atol=1e-300)
    if sol.status != 0 or not np.all(np.isfinite(sol.y)):
        raise FlowError(f"integration of the continuum flow failed at k_c={math.exp(sol.t[-1]):.6g}: {sol.message}",
                        k_c=math.exp(sol.t[-1]))
    return float(sol.y[0, -1]), float(sol.y[1, -1])


def _segment(alpha, beta, r, u, k_hi, k_lo, scheme, switch=1024):
    """(r, u) after the modes k_lo+1 … k_hi are integrated out, starting at cutoff k_hi.

    Agrees with ``flow(Model(..., cutoff=k_hi), scheme).at_mode(k_lo)``: bit for bit in the
    discrete scheme, to the integrator's tolerance in the others.
    """
    if u == 0.0 or k_hi == k_lo:
        return r, u
    if scheme == "discrete":
        return _discrete_segment(alpha, beta, r, u, k_hi, k_lo)
    if scheme == "continuum":
        return _continuum_segment(alpha, beta, r, u, math.log(k_hi), math.log(max(k_lo, 1)))
    # hybrid: continuum between the midpoints above ``switch``, mode by mode below
    if k_hi > switch:
        r, u = _continuum_segment(alpha, beta, r, u, math.log(k_hi + 0.5), math.log(max(k_lo, switch) + 0.5))
    if k_lo < switch:
        r, u = _discrete_segment(alpha, beta, r, u, min(k_hi, switch), k_lo)
    return r, u


def _inverse(alpha, beta, r, u, P, P_new, scheme):
    """(r', u') at cutoff P_new > P whose flow down to mode P gives (r, u)."""
    from scipy.optimize import root

    if u == 0.0:
        return r, 0.0
    target = np.array([math.log(r), math.log(u)])

    def residual(x):
        if not (np.all(np.isfinite(x)) and np.all(np.abs(x - target) < 50.0)):
            return np.array([1e3, 1e3])
        try:
            rr, uu = _segment(alpha, beta, math.exp(x[0]), math.exp(x[1]), P_new, P, scheme)
        except (FlowError, OverflowError, FloatingPointError):
            return np.array([1e3, 1e3])
        if not (rr > 0.0 and uu > 0.0):
            return np.array([1e3, 1e3])
        return np.array([math.log(rr), math.log(uu)]) - target

    # first guess: undo the forward shift of the starting point (the flow is a near-identity map)
    f0 = residual(target)
    x0 = target - f0 if np.all(np.abs(f0) < 50) else target
    sol = root(residual, x0, method="hybr", options={"xtol": 1e-14})
    res = residual(sol.x)
    if not np.all(np.abs(res) <= ROOT_TOL):
        # a second attempt from the unshifted point
        sol = root(residual, target, method="hybr", options={"xtol": 1e-14})
        res = residual(sol.x)
    if not np.all(np.abs(res) <= ROOT_TOL):
        raise TransferError(
            f"no couplings at P'={P_new} flow onto r={r:.6g}, u={u:.6g} at mode {P} ({scheme} scheme; "
            f"residual {float(np.max(np.abs(res))):.3g} in ln r, ln u): the mass r' would have to be "
            "non-positive or the one-loop flow breaks down; lower U or the ratio P'/P", k_c=P)
    return math.exp(sol.x[0]), math.exp(sol.x[1])


# ---------------------------------------------------------------------------------------------


def transfer(model: Model, P_new: int, *, scheme: str = "discrete") -> Transfer:
    """Move ``model`` (cutoff P) to P_new samples along its RG trajectory.

    P_new < P: integrate the modes P_new+1 … P out (``flow(model, scheme).at_mode(P_new)``) and
    read κ̃ = P_new/r, Ũ = u/P_new. P_new > P: solve for the couplings at cutoff P_new whose flow
    lands on the model's (r, u) at mode P. P_new = P returns the model itself. The new model has
    cutoff P_new. Raises ValueError on bad input, TransferError (a FlowError) when the inverse
    has no solution and FlowError when the flow breaks down.
    """
    check_model(model)
    P_new = check_int("P_new", P_new)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    if model.cutoff != model.P:
        raise ValueError(f"model.cutoff must equal model.P for a transfer (Λ = P), got cutoff={model.cutoff} "
                         f"and P={model.P}")
    P = model.P
    if P_new == P:
        return Transfer(model, model, _trajectory(model, scheme, P), scheme)
    if P_new < P:
        traj = _trajectory(model, scheme, P_new)
        if traj is not None:
            state = traj.at_mode(P_new)
            r_new, u_new = float(state["r"]), float(state["u"])
        else:  # the flow breaks down below P_new: integrate only the modes P_new+1 … P
            r_new, u_new = _segment(model.alpha, model.beta, model.r, model.u, P, P_new, scheme)
        if not (r_new > 0.0 and u_new >= 0.0):
            raise TransferError(f"the running mass at mode {P_new} is r={r_new:.6g} (u={u_new:.6g}): no model with "
                                f"kappa > 0 at P'={P_new} lies on this trajectory; lower U or raise P'", k_c=P_new)
        new = Model.from_couplings(model.alpha, model.beta, P_new, r_new, u_new)
        return Transfer(model, new, traj, scheme)
    r_new, u_new = _inverse(model.alpha, model.beta, model.r, model.u, P, P_new, scheme)
    new = Model.from_couplings(model.alpha, model.beta, P_new, r_new, u_new)
    return Transfer(model, new, _trajectory(new, scheme, P), scheme)


def _trajectory(model, scheme, below):
    """flow(model, scheme), or None when it breaks down only at modes <= ``below`` (outside the transfer)."""
    try:
        return flow(model, scheme)
    except FlowError as exc:
        if exc.k_c is None or exc.k_c > below:
            raise
        return None


@dataclass(frozen=True)
class TransferMap(Result):
    """Result of :func:`transfer_map`: κ̃/κ, Ũ/U, r̃/r, ũ/u on the grid (rows: ``U``, columns: ``ratio``).

    ``ratio`` is the realized P'/P (sorted, unique), ``P_new`` the P' values; ``failed`` is True
    where the inverse transfer has no solution (those entries are NaN, as is ``U_ratio``/``u_ratio``
    at U = 0).
    """

    params: dict
    scheme: str
    ratio: np.ndarray
    P_new: np.ndarray
    U: np.ndarray
    kappa_ratio: np.ndarray
    U_ratio: np.ndarray
    r_ratio: np.ndarray
    u_ratio: np.ndarray
    failed: np.ndarray
    method: str = "rg-transfer"

    GRIDS = ("kappa_ratio", "U_ratio", "r_ratio", "u_ratio")

    def _data(self) -> dict:
        """method, scheme, ratio, P_new, U and the grids kappa_ratio, U_ratio, r_ratio, u_ratio, failed."""
        return {"method": self.method, "scheme": self.scheme, "ratio": self.ratio, "P_new": self.P_new,
                "U": self.U, **{key: getattr(self, key) for key in self.GRIDS}, "failed": self.failed}

    def _columns(self) -> dict:
        """One row per (U, ratio), U-major: U, ratio, P_new and the four grids."""
        nU, nr = self.kappa_ratio.shape
        return {"U": np.repeat(self.U, nr), "ratio": np.tile(self.ratio, nU), "P_new": np.tile(self.P_new, nU),
                **{key: getattr(self, key).ravel() for key in self.GRIDS}}

    def _header(self) -> dict:
        return {"scheme": self.scheme}


def transfer_map(model: Model, ratios, U_values, *, scheme: str = "discrete") -> TransferMap:
    """κ̃/κ and Ũ/U of ``model`` (with its U replaced by each of ``U_values``) for P' = round(ratio·P).

    Returns a :class:`TransferMap`: ``ratio`` (the realized P'/P, sorted, duplicates removed),
    ``P_new``, ``U``, and the arrays (rows: U, columns: ratio) ``kappa_ratio`` = κ̃/κ, ``U_ratio`` =
    Ũ/U (NaN at U = 0), ``r_ratio`` = r̃/r, ``u_ratio`` = ũ/u and ``failed`` (True where the inverse
    transfer has no solution; those entries are NaN). Downward ratios read one flow per U; upward ratios are solved in a chain
    P → P'_1 → P'_2 … (the composition of transfers is the transfer, up to the root tolerance).
    """
    check_model(model)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    if model.cutoff != model.P:
        raise ValueError(f"model.cutoff must equal model.P for a transfer, got cutoff={model.cutoff}, P={model.P}")
    try:
        ratios = np.atleast_1d(np.asarray(ratios, dtype=float))
        U_values = np.atleast_1d(np.asarray(U_values, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"ratios and U_values must be sequences of numbers, got {ratios!r} and {U_values!r}") from None
    if ratios.size == 0 or not np.all(np.isfinite(ratios)) or np.any(ratios <= 0) or np.any(ratios * model.P > 2**53):
        raise ValueError(f"ratios must be finite numbers in (0, 2**53/P] (P' = ratio·P), got {ratios!r}")
    if U_values.size == 0 or not np.all(np.isfinite(U_values)) or np.any(U_values < 0):
        raise ValueError(f"U_values must be finite numbers >= 0, got {U_values!r}")
    P = model.P
    P_new = np.unique(np.maximum(1, np.round(ratios * P)).astype(int))
    shape = (U_values.size, P_new.size)
    r_new = np.full(shape, np.nan)
    u_new = np.full(shape, np.nan)
    failed = np.zeros(shape, dtype=bool)
    for i, U in enumerate(U_values):
        m = model.replace(U=float(U))
        r0, u0 = m.r, m.u
        down = P_new <= P
        if np.any(down):
            try:
                st = flow(m, scheme).at_mode(P_new[down])
                r_new[i, down], u_new[i, down] = st["r"], st["u"]
            except FlowError:
                failed[i, down] = True
        r, u, k = r0, u0, P
        for j in np.flatnonzero(~down):
            try:
                r, u = _inverse(m.alpha, m.beta, r, u, k, int(P_new[j]), scheme)
                k = int(P_new[j])
                r_new[i, j], u_new[i, j] = r, u
            except FlowError:
                failed[i, j:] = True
                break
    kappa_ratio = (P_new / r_new) / (P / np.array([model.replace(U=float(U)).r for U in U_values]))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        U_ratio = (u_new / P_new) / U_values[:, None]
        u_ratio = u_new / (U_values[:, None] * P)
    U_ratio[U_values == 0, :] = np.nan
    u_ratio[U_values == 0, :] = np.nan
    r_ratio = r_new / model.r

    return TransferMap(model.params, scheme, P_new / P, P_new, U_values, kappa_ratio, U_ratio, r_ratio, u_ratio,
                       failed)


# ---------------------------------------------------------------------------------------------
# command line


def cli(ns) -> int:
    """``rgflow transfer``: print P, kappa, U, r, u of the transferred system."""
    from . import __version__
    from .cli import emit

    P_new = check_int("to-P", ns.to_P)
    model = Model(ns.alpha, ns.beta, ns.P, ns.kappa, ns.U, ns.cutoff)
    res = transfer(model, P_new)
    _, cols = res.to_rows()
    header = {"rgflow": __version__, "scheme": res.scheme,
              **{f"from_{k}": v for k, v in model.params.items()}}
    emit(ns, res.to_dict(), header, cols)
    return 0


# ---------------------------------------------------------------------------------------------
# the paper's systems (figures 4 and 6 are drawn in rgflow.plotting)

PAPER = {"alpha": 0.2, "beta": 0.3, "P": 1000, "kappa": 1000 / 100**1.2, "U": 0.05}
P_PRIME = 500


def paper_systems(P_new=P_PRIME):
    """Systems 1 (paper), 2 (naive: same κ, U at P'), 3 (transferred) and the (r, u)-kept system."""
    m1 = Model(**PAPER)
    m2 = m1.replace(P=P_new)
    m3 = transfer(m1, P_new).model
    mk = Model.from_couplings(m1.alpha, m1.beta, P_new, m1.r, m1.u)
    return m1, m2, m3, mk
