"""Hyperparameter transfer between dataset sizes (docs/theory.md §4 check 6; paper Figure 4).

``rgflow.transfer(model, P_new)`` calls :func:`transfer` of this module (parameters, returns, raises
and an example: ``help(rgflow.transfer.transfer)``, listed under FUNCTIONS below).

A model tuned at P samples (cutoff Λ = P) is moved to P' samples (cutoff Λ' = P') so that the
new model lies on the same RG trajectory:

``P' < P``   integrate the modes P'+1 … P out of the model with the generated one-loop flow; the
             running couplings (r, u) at mode k = P' are the couplings of the new model:
             κ̃ = P'/r,  Ũ = u/P'.
``P' > P``   the inverse: find (r', u') at cutoff P' whose flow, after the modes P+1 … P' are
             integrated out, lands on the model's (r, u) (2-D root finding with scipy.optimize in
             (ln r', ln u') on the same generated flow), then κ̃ = P'/r', Ũ = u'/P'.
``P' = P``   the model itself.

Only the couplings are transferred: the spectrum (λ_k and y_k of the shared modes) is unchanged.
A measured spectrum stays as it is (the kernel's eigenvalues on the data distribution do not
depend on P): the model at P has cutoff Λ = P modes of it, and P' < P integrates the modes
P'+1 … P out; P' > P needs P' ≤ the number of measured modes.
At U = 0 the flow is trivial and the transfer keeps r and u = 0 (κ̃ = κ P'/P).

``transfer_map`` tabulates κ̃/κ and Ũ/U over P'/P and U (the defined cells, every other one named in
``undefined``); ``paper_systems`` gives the paper's systems.
The paper's Figure 4 and the transfer maps are drawn in ``rgflow.plotting`` (fig4, fig6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import paper as _paper
from .flow import SCHEMES, FlowError, Trajectory, flow, integrate
from .model import Model, check_int, check_model
from .results import Result

__all__ = ["transfer", "Transfer", "TransferError", "transfer_map", "TransferMap"]

#: Residual (in ln r, ln u) accepted for the inverse transfer.
ROOT_TOL = 1e-12


class TransferError(FlowError):
    """The inverse transfer (P' > P) found no couplings whose flow lands on the model."""


@dataclass(frozen=True)
class Transfer(Result):
    """Result of :func:`transfer`: the model (P', κ̃ = P'/r(P'), Ũ = u(P')/P') on the source's RG trajectory.

    ``to_dict()`` gives ``P, kappa, U, r, u`` of the new model and ``params`` of the source.

    Attributes
    ----------
    source : Model
        The original model (cutoff P).
    model : Model
        The transferred model (P', κ̃, Ũ, cutoff P').
    trajectory : Trajectory or None
        The flow that connects them: for P' < P the flow of ``source`` (read at mode P'; None
        when a flow breaks down only at modes outside the transfer), for P' > P the flow of
        ``model`` (it passes through the source's couplings at mode P), for P' = P the flow of
        the model.
    scheme : str
        The flow scheme used.
    r, u : float
        Mass P'/κ̃ and quartic Ũ·P' of the new model.

    Examples
    --------
    >>> import rgflow
    >>> res = rgflow.transfer(rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=0.05), 50)
    >>> res.source.P, res.model.P, res.scheme
    (100, 50, 'discrete')
    >>> print(f"r = {res.r:.3f}, u = {res.u:.3f}")
    r = 26.962, u = 4.930
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
        cols = {"P": [m.P], "kappa": [m.kappa], "U": [m.U], "r": [m.r], "u": [m.u]}
        if m.network:
            cols.update(width=[m.width], depth=[m.depth], parameterization=[m.parameterization])
        return cols

    def _data(self) -> dict:
        """JSON contract of ``rgflow transfer`` (exactly these keys): P, kappa, U, r, u of the new
        system (params: the old); the scheme is in the CSV header."""
        return {key: v[0] for key, v in self._columns().items()}

    def _header(self) -> dict:
        return {"scheme": self.scheme}


# ---------------------------------------------------------------------------------------------


def _segment(spectrum, r, u, k_hi, k_lo, scheme):
    """(r, u) after the modes k_lo+1 … k_hi are integrated out, starting at cutoff k_hi (the core)."""
    return integrate(spectrum, r, u, k_hi, k_lo, scheme).end


def _inverse(spectrum, r, u, P, P_new, scheme):
    """(r', u') at cutoff P_new > P whose flow down to mode P gives (r, u)."""
    from scipy.optimize import root

    if u == 0.0:
        return r, 0.0
    target = np.array([math.log(r), math.log(u)])

    def residual(x):
        if not (np.all(np.isfinite(x)) and np.all(np.abs(x - target) < 50.0)):
            return np.array([1e3, 1e3])
        try:
            rr, uu = _segment(spectrum, math.exp(x[0]), math.exp(x[1]), P_new, P, scheme)
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
            "non-positive or the one-loop flow breaks down; lower U or the ratio P'/P",
            k_c=P,
        )
    return math.exp(sol.x[0]), math.exp(sol.x[1])


# ---------------------------------------------------------------------------------------------


def transfer(model: Model, P_new: int, *, scheme: str = "discrete") -> Transfer:
    """Hyperparameter transfer P → P': κ̃ = P'/r(P'), Ũ = u(P')/P' on the same RG trajectory.

    P_new < P: integrate the modes P_new+1 … P out (``flow(model, scheme).at_mode(P_new)``) and
    read κ̃ = P_new/r, Ũ = u/P_new. P_new > P: solve for the couplings at cutoff P_new whose flow
    lands on the model's (r, u) at mode P. P_new = P returns the model itself. The new model has
    cutoff P_new and the model's spectrum (a measured spectrum is kept: Λ = P modes of it, and
    P_new may not exceed its number of modes). Its modes k ≤ P' behave as the source's
    (docs/theory.md §4 check 6).

    Networks (``model.width`` given): the transferred network (κ̃, Ñ) at P' sees on its modes
    k ≤ min(P, P') the same weight of its scale Q as the source, the modes in between integrated out
    exactly (:func:`rgflow.network.network_transfer`; ``scheme`` is not used, ``trajectory`` is None).

    Ridge. The transfer acts on the couplings of the action, (r, u), whatever ridge gave r: with
    ``ridge="renormalized"`` system 1 carries r = 1/K (K the effective ridge at P samples) and the new
    system carries the running mass r̃ as its action's mass, so it is returned with the bare ridge and
    κ̃ = P_new/r̃ (re-renormalizing κ̃ at P_new would count the modes P_new+1 … P twice).

    Parameters
    ----------
    model : Model
        The source model, with cutoff Λ = P.
    P_new : int ≥ 1
        The new number of samples P' (and cutoff).
    scheme : {'discrete', 'continuum', 'hybrid'}, optional
        The flow scheme (default 'discrete', mode by mode).

    Returns
    -------
    Transfer
        ``source``, ``model`` (the transferred model), ``trajectory``, ``r``, ``u``.

    Raises
    ------
    ValueError
        On bad input, or if ``model.cutoff`` differs from ``model.P``.
    TransferError
        A :class:`FlowError`: for P' > P no couplings flow onto the model (the mass would have
        to be negative).
    FlowError
        If the flow breaks down.

    Examples
    --------
    >>> import rgflow
    >>> model = rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=0.05)
    >>> new = rgflow.transfer(model, 50).model
    >>> print(f"P' = {new.P}: kappa = {new.kappa:.4f}, U = {new.U:.4f}")
    P' = 50: kappa = 1.8545, U = 0.0986
    >>> back = rgflow.transfer(new, 100).model         # and back: the round trip returns the model
    >>> print(f"{back.kappa:.6f} {back.U:.6f}")
    4.000000 0.050000
    """
    check_model(model)
    P_new = check_int("P_new", P_new)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    if model.cutoff != model.P:
        raise ValueError(
            f"model.cutoff must equal model.P for a transfer (Λ = P), got cutoff={model.cutoff} and P={model.P}"
        )
    P = model.P
    if model.network:  # the network's RG acts on the weight of its scale Q (docs/networks.md)
        if model.measured:
            _check_modes(model, P_new)
        from .network import network_transfer

        new = model if P_new == P else network_transfer(model, P_new)[0]
        return Transfer(model, new, None, "network")
    if P_new == P:
        return Transfer(model, model, _trajectory(model, scheme, P), scheme)
    if P_new < P:
        traj = _trajectory(model, scheme, P_new)
        new = model.with_couplings(P_new, *_below(model, traj, P_new, scheme))
        return Transfer(model, new, traj, scheme)
    _check_modes(model, P_new)
    r_new, u_new = _inverse(model.spectrum, model.r, model.u, P, P_new, scheme)
    new = model.with_couplings(P_new, r_new, u_new)
    return Transfer(model, new, _trajectory(new, scheme, P), scheme)


def _below(model, traj, P_new, scheme):
    """(r, u) at mode P_new < P: read off the trajectory ``traj``, or, when it broke down below P_new
    (``traj`` None), by integrating only the modes P_new+1 … P. TransferError unless r > 0, u ≥ 0."""
    if traj is not None:
        state = traj.at_mode(P_new)
        r_new, u_new = float(state["r"]), float(state["u"])
    else:
        r_new, u_new = _segment(model.spectrum, model.r, model.u, model.P, P_new, scheme)
    if not (r_new > 0.0 and u_new >= 0.0):
        raise TransferError(
            f"the running mass at mode {P_new} is r={r_new:.6g} (u={u_new:.6g}): no model with "
            f"kappa > 0 at P'={P_new} lies on this trajectory; lower U or raise P'",
            k_c=P_new,
        )
    return r_new, u_new


def _check_modes(model, P_new):
    """A measured spectrum has n modes: P' > n would need modes that were not measured."""
    n = model.spectrum.n_modes
    if n is not None and P_new > n:
        raise ValueError(f"P_new must not exceed the number of measured modes ({n}) of the spectrum, got {P_new}")


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
    """Result of :func:`transfer_map`: κ̃/κ, Ũ/U, r̃/r, ũ/u on the grid (U, P'/P), defined cells only.

    Every number it holds is finite. A quantity keeps only its defined cells, each with its
    coordinates (U-major order); a cell that is undefined is absent and named with its reason in
    ``undefined``. :meth:`grid` gives a quantity as a 2-D array (rows: ``U``, columns: ``ratio``).

    Attributes
    ----------
    params : dict
        The source model's parameters.
    scheme : str
        The flow scheme used.
    ratio : ndarray
        The realized P'/P (sorted, unique): the columns of the grid.
    P_new : ndarray of int
        The P' values of the columns.
    U : ndarray
        The couplings U of the source (sorted, unique): the rows of the grid.
    kappa_ratio, U_ratio, r_ratio, u_ratio : dict
        κ̃/κ, Ũ/U, r̃/r and ũ/u at the defined cells: {"U", "ratio", "P_new", "value"}, arrays of
        equal length (cell n is at U = U[n], P'/P = ratio[n]).
    failed : ndarray of bool, shape (len(U), len(ratio))
        True where the transfer failed (no quantity is defined there).
    undefined : dict
        {name: reason} for every quantity that lost cells: how many of the len(U)·len(ratio), and
        why: the flow or the inverse transfer failed (the error, per U and P'), or U = 0 (Ũ/U and
        ũ/u are 0/0 there). A quantity not named here is defined on the whole grid.

    Examples
    --------
    >>> import rgflow
    >>> from rgflow.transfer import transfer_map
    >>> model = rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=0.05)
    >>> grid = transfer_map(model, ratios=[0.5, 2.0], U_values=[0.01, 0.05])
    >>> grid.P_new
    array([ 50, 200])
    >>> print(grid.grid("kappa_ratio").round(4))
    [[0.4922 2.0307]
     [0.4636 2.1645]]
    >>> at_zero = transfer_map(model, ratios=[0.5], U_values=[0.0, 0.05])
    >>> at_zero.U_ratio["U"], at_zero.undefined["U_ratio"]
    (array([0.05]), '1 of 2 cells: U = 0 makes U~/U a 0/0 (1 cell, the rows U = 0)')
    """

    params: dict
    scheme: str
    ratio: np.ndarray
    P_new: np.ndarray
    U: np.ndarray
    kappa_ratio: dict
    U_ratio: dict
    r_ratio: dict
    u_ratio: dict
    failed: np.ndarray
    undefined: dict
    method: str = "rg-transfer"

    GRIDS = ("kappa_ratio", "U_ratio", "r_ratio", "u_ratio")

    def defined(self, name) -> np.ndarray:
        """Boolean array (len(U), len(ratio)): True at the cells where quantity ``name`` is defined."""
        cells = self._cells(name)
        mask = np.zeros((self.U.size, self.ratio.size), dtype=bool)
        mask[np.searchsorted(self.U, cells["U"]), np.searchsorted(self.P_new, cells["P_new"])] = True
        return mask

    def grid(self, name, fill=None) -> np.ndarray:
        """Quantity ``name`` as an array (len(U), len(ratio)) (rows: U, columns: ratio).

        Raises ValueError if a cell is undefined (see ``undefined``), unless ``fill`` is given: the
        value put in those cells (e.g. ``np.nan`` for a plot that leaves them blank).
        """
        cells = self._cells(name)
        mask = self.defined(name)
        if fill is None and not mask.all():
            raise ValueError(
                f"{name} is undefined at {self.undefined[name]}; pass fill= to get the grid with a "
                "value of your choice in those cells"
            )
        out = np.full(mask.shape, np.nan if fill is None else float(fill))
        out[mask] = cells["value"]
        return out

    def _cells(self, name):
        if name not in self.GRIDS:
            raise ValueError(f"name must be one of {', '.join(self.GRIDS)}, got {name!r}")
        return getattr(self, name)

    def _data(self) -> dict:
        """method, scheme, ratio, P_new, U, the quantities kappa_ratio, U_ratio, r_ratio, u_ratio (each
        {U, ratio, P_new, value} at its defined cells), failed and undefined."""
        return {
            "method": self.method,
            "scheme": self.scheme,
            "ratio": self.ratio,
            "P_new": self.P_new,
            "U": self.U,
            **{key: getattr(self, key) for key in self.GRIDS},
            "failed": self.failed,
            "undefined": self.undefined,
        }

    def _columns(self) -> dict:
        """One row per defined cell of each quantity (quantity-major, then U-major): quantity, U,
        ratio, P_new, value. An undefined cell has no row (it is named in ``undefined``)."""
        cells = [getattr(self, key) for key in self.GRIDS]
        return {
            "quantity": [key for key, c in zip(self.GRIDS, cells) for _ in c["value"]],
            **{col: np.concatenate([c[col] for c in cells]) for col in ("U", "ratio", "P_new", "value")},
        }

    def _header(self) -> dict:
        return {"scheme": self.scheme}


def transfer_map(model: Model, ratios, U_values, *, scheme: str = "discrete") -> TransferMap:
    """κ̃/κ and Ũ/U of ``model`` (with its U replaced by each of ``U_values``) for P' = round(ratio·P).

    Returns a :class:`TransferMap` on the grid ``U`` (sorted, duplicates removed) × ``ratio`` (the
    realized P'/P, sorted, duplicates removed) with the quantities ``kappa_ratio`` = κ̃/κ,
    ``U_ratio`` = Ũ/U, ``r_ratio`` = r̃/r and ``u_ratio`` = ũ/u at their defined cells; ``failed``
    marks the cells where the transfer failed and ``undefined`` names every quantity that lost cells
    and why (a failed flow or inverse transfer, with its error; U = 0, where Ũ/U and ũ/u are 0/0).
    Each cell is what :func:`transfer` gives: downward ratios read one flow per U (a flow that breaks
    down below P' is integrated only to P'); upward ratios are solved in a chain P → P'_1 → P'_2 …
    (the composition of transfers is the transfer, up to the root tolerance; the cells beyond a
    failed step are not attempted). With ``ridge="renormalized"`` κ in κ̃/κ is the bare-equivalent
    ridge P/r = P·K of the model (see :func:`transfer`: the new systems carry their running mass
    with the bare ridge).
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
    _check_modes(model, int(P_new.max()))
    U_values = np.unique(U_values)
    shape = (U_values.size, P_new.size)
    r_new, u_new = np.ones(shape), np.zeros(shape)  # read only where a cell did not fail
    why = {}  # {(i, j): why the transfer failed there}
    for i, U in enumerate(U_values):
        m = model.replace(U=float(U))
        r_new[i], u_new[i], errors = _row(m, P_new, scheme)
        why.update({(i, j): text for j, text in errors.items()})
    failed = np.zeros(shape, dtype=bool)
    for i, j in why:
        failed[i, j] = True
    r0 = np.array([model.replace(U=float(U)).r for U in U_values])[:, None]
    with np.errstate(all="ignore"):
        values = {
            "kappa_ratio": (P_new / P) * (r0 / r_new),
            "r_ratio": r_new / model.r,
            "U_ratio": (u_new / P_new) / U_values[:, None],
            "u_ratio": u_new / (U_values[:, None] * P),
        }
    cells, undefined = {}, {}
    zero_U = np.broadcast_to((U_values == 0)[:, None], shape)
    for name, v in values.items():
        lost = {"failed": failed}
        if name in ("U_ratio", "u_ratio"):
            lost["zero_U"] = zero_U & ~failed
        lost["overflow"] = ~np.isfinite(v) & ~np.logical_or.reduce(list(lost.values()))
        keep = ~np.logical_or.reduce(list(lost.values()))
        ii, jj = np.nonzero(keep)
        cells[name] = {"U": U_values[ii], "ratio": P_new[jj] / P, "P_new": P_new[jj], "value": v[keep]}
        if not keep.all():
            undefined[name] = _reason(name, lost, why, U_values, P_new)
    return TransferMap(
        model.params,
        scheme,
        P_new / P,
        P_new,
        U_values,
        *(cells[n] for n in TransferMap.GRIDS),  # type: ignore[call-arg, arg-type]
        failed,
        undefined,
    )


def _row(m, P_new, scheme):
    """(r, u, errors) of one row of the map: the couplings at each P' (read only where it did not fail)
    and {column: why the transfer failed there}."""
    P = m.P
    r_new, u_new = np.ones(P_new.size), np.zeros(P_new.size)
    errors = {}
    down = np.flatnonzero(P_new <= P)
    if down.size:
        try:
            traj, broke = flow(m, scheme), None
        except FlowError as exc:
            traj, broke = None, exc
        for j in down:  # as transfer(): a flow that breaks down below P' is integrated only to P'
            if broke is not None and (broke.k_c is None or broke.k_c > P_new[j]):
                errors[j] = _error_text(broke)
                continue
            try:
                r_new[j], u_new[j] = _below(m, traj, int(P_new[j]), scheme) if P_new[j] < P else (m.r, m.u)
            except FlowError as exc:
                errors[j] = _error_text(exc)
    r, u, k = m.r, m.u, P
    up = np.flatnonzero(P_new > P)
    for n, j in enumerate(up):
        try:
            r, u = _inverse(m.spectrum, r, u, k, int(P_new[j]), scheme)
        except FlowError as exc:
            errors[j] = _error_text(exc)
            errors.update(
                {jj: f"not attempted: the upward chain stopped at the failed P'={P_new[j]}" for jj in up[n + 1 :]}
            )
            break
        k = int(P_new[j])
        r_new[j], u_new[j] = r, u
    return r_new, u_new, errors


def _error_text(exc):
    return f"{type(exc).__name__}: {exc}"


_SYMBOL = {"kappa_ratio": "kappa~/kappa", "U_ratio": "U~/U", "r_ratio": "r~/r", "u_ratio": "u~/u"}


def _cells_text(mask):
    n = int(mask.sum())
    return f"{n} cell" if n == 1 else f"{n} cells"


def _reason(name, lost, why, U_values, P_new):
    """The ``undefined`` entry of quantity ``name``: how many cells it lost, and why."""
    total = sum(int(mask.sum()) for mask in lost.values())
    parts = []
    if lost["failed"].any():
        by_reason = {}
        for (i, j), text in sorted(why.items()):
            by_reason.setdefault((U_values[i], text), []).append(int(P_new[j]))
        parts.append(
            f"the transfer failed ({_cells_text(lost['failed'])}: "
            + "; ".join(f"U={U:g}, P'={', '.join(map(str, Ps))}: {text}" for (U, text), Ps in by_reason.items())
            + ")"
        )
    if name in ("U_ratio", "u_ratio") and lost["zero_U"].any():
        parts.append(f"U = 0 makes {_SYMBOL[name]} a 0/0 ({_cells_text(lost['zero_U'])}, the rows U = 0)")
    if lost["overflow"].any():
        parts.append(f"{_SYMBOL[name]} is not finite in float64 ({_cells_text(lost['overflow'])})")
    return f"{total} of {lost['failed'].size} cells: " + "; ".join(parts)


PAPER = dict(_paper.PREDICTOR)  # the paper's parameters (rgflow.paper)
P_PRIME = _paper.P_PRIME


def paper_systems(P_new=P_PRIME):
    """Systems 1 (paper), 2 (naive: same κ, U at P'), 3 (transferred) and the (r, u)-kept system."""
    m1 = Model(**PAPER)
    m2 = m1.replace(P=P_new)
    m3 = transfer(m1, P_new).model
    mk = Model.from_couplings(m1.alpha, m1.beta, P_new, m1.r, m1.u)
    return m1, m2, m3, mk
