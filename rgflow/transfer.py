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

Only the couplings are transferred: the spectrum (λ_k and y_k of the shared modes) is unchanged.
A measured spectrum stays as it is (the kernel's eigenvalues on the data distribution do not
depend on P): the model at P has cutoff Λ = P modes of it, and P' < P integrates the modes
P'+1 … P out; P' > P needs P' ≤ the number of measured modes.
At U = 0 the flow is trivial and the transfer keeps r and u = 0 (κ̃ = κ P'/P).

``transfer_map`` tabulates κ̃/κ and Ũ/U over P'/P and U; ``figure_transfer`` and
``figure_transfer_map`` draw the paper's Figure 4 and the transfer maps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .flow import SCHEMES, FlowError, Trajectory, flow, integrate
from .model import Model, check_int, check_model
from .results import Result

__all__ = ["transfer", "Transfer", "TransferError", "transfer_map", "TransferMap", "figure_transfer",
           "figure_transfer_map"]

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
            "non-positive or the one-loop flow breaks down; lower U or the ratio P'/P", k_c=P)
    return math.exp(sol.x[0]), math.exp(sol.x[1])


# ---------------------------------------------------------------------------------------------


def transfer(model: Model, P_new: int, *, scheme: str = "discrete") -> Transfer:
    """Move ``model`` (cutoff P) to P_new samples along its RG trajectory.

    P_new < P: integrate the modes P_new+1 … P out (``flow(model, scheme).at_mode(P_new)``) and
    read κ̃ = P_new/r, Ũ = u/P_new. P_new > P: solve for the couplings at cutoff P_new whose flow
    lands on the model's (r, u) at mode P. P_new = P returns the model itself. The new model has
    cutoff P_new and the model's spectrum (a measured spectrum is kept: Λ = P modes of it, and
    P_new may not exceed its number of modes). Raises ValueError on bad input, TransferError (a
    FlowError) when the inverse has no solution and FlowError when the flow breaks down.

    Ridge. The transfer acts on the couplings of the action, (r, u), whatever ridge gave r: with
    ``ridge="renormalized"`` system 1 carries r = 1/K (K the effective ridge at P samples) and the new
    system carries the running mass r̃ as its action's mass, so it is returned with the bare ridge and
    κ̃ = P_new/r̃ (re-renormalizing κ̃ at P_new would count the modes P_new+1 … P twice).
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
            r_new, u_new = _segment(model.spectrum, model.r, model.u, P, P_new, scheme)
        if not (r_new > 0.0 and u_new >= 0.0):
            raise TransferError(f"the running mass at mode {P_new} is r={r_new:.6g} (u={u_new:.6g}): no model with "
                                f"kappa > 0 at P'={P_new} lies on this trajectory; lower U or raise P'", k_c=P_new)
        new = model.with_couplings(P_new, r_new, u_new)
        return Transfer(model, new, traj, scheme)
    _check_modes(model, P_new)
    r_new, u_new = _inverse(model.spectrum, model.r, model.u, P, P_new, scheme)
    new = model.with_couplings(P_new, r_new, u_new)
    return Transfer(model, new, _trajectory(new, scheme, P), scheme)


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
    With ``ridge="renormalized"`` κ in κ̃/κ is the bare-equivalent ridge P/r = P·K of the model (see
    :func:`transfer`: the new systems carry their running mass with the bare ridge).
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
                r, u = _inverse(m.spectrum, r, u, k, int(P_new[j]), scheme)
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
# figures

PAPER = {"alpha": 0.2, "beta": 0.3, "P": 1000, "kappa": 1000 / 100**1.2, "U": 0.05}
P_PRIME = 500


def _thin(n, count=36):
    """Indices 0..n-1 evenly spaced on a log axis of k = index+1."""
    return np.unique(np.round(np.geomspace(1, n, count)).astype(int)) - 1


def paper_systems(P_new=P_PRIME):
    """Systems 1 (paper), 2 (naive: same κ, U at P'), 3 (transferred) and the (r, u)-kept system."""
    m1 = Model(**PAPER)
    m2 = m1.replace(P=P_new)
    m3 = transfer(m1, P_new).model
    mk = Model.from_couplings(m1.alpha, m1.beta, P_new, m1.r, m1.u)
    return m1, m2, m3, mk


def figure_transfer(out_dir) -> list:
    """Paper Figure 4: ⟨Δ_k⟩ of systems 1, 2, 3 from ``exact`` and their deviations from system 1."""
    from ._plotting import pyplot, save_figure
    from .predict import predict

    plt = pyplot()
    m1, m2, m3, mk = paper_systems()
    e1 = predict(m1, "exact").mean
    e2 = predict(m2, "exact").mean
    e3 = predict(m3, "exact").mean
    ek = predict(mk, "exact").mean
    rg1 = predict(m1, "rg").mean
    k1, kp = m1.k, m2.k

    fig, (ax, bx) = plt.subplots(2, 1, figsize=(5.6, 6.2), sharex=True, gridspec_kw={"height_ratios": [1.5, 1]})
    ax.loglog(k1, rg1, "-", color="0.35", lw=1.2, label="system 1, RG prediction (rg)", zorder=1)
    i1, ip = _thin(m1.cutoff), _thin(m2.cutoff, 30)
    ax.loglog(k1[i1], e1[i1], "o", mfc="none", color="C0", ms=6,
              label=f"system 1 (exact): P = {m1.P}, κ = {m1.kappa:.3g}, U = {m1.U:g}")
    ax.loglog(kp[ip], e2[ip], "s", color="C3", ms=3.5,
              label=f"system 2 (naive, exact): P' = {m2.P}, κ = {m2.kappa:.3g}, U = {m2.U:g}")
    ax.loglog(kp[ip], e3[ip], "^", color="C2", ms=4,
              label=f"system 3 (transfer, exact): P' = {m3.P}, κ̃ = {m3.kappa:.4g}, Ũ = {m3.U:.4g}")
    ax.axvline(m2.P, color="0.6", lw=0.8, ls=":")
    ax.set_ylabel(r"$\langle\Delta_k\rangle$")
    ax.legend(loc="lower right", fontsize=7.5)
    ax.set_title(f"Hyperparameter transfer P = {m1.P} → P' = {m2.P}  (α = {m1.alpha:g}, β = {m1.beta:g})")

    d2 = np.abs(e2 / e1[: m2.P] - 1)
    d3 = np.abs(e3 / e1[: m2.P] - 1)
    dk = np.abs(ek / e1[: m2.P] - 1)
    bx.loglog(kp, d2, "-", color="C3", label=f"system 2 (naive), max {d2.max():.2g}")
    bx.loglog(kp, dk, "--", color="C1", label=f"(r, u) kept: κ = P'/r, U = u/P', max {dk.max():.2g}")
    bx.loglog(kp, d3, "-", color="C2", label=f"system 3 (transfer), max {d3.max():.2g}")
    bx.set_xlabel("mode k")
    bx.set_ylabel(r"$|\langle\Delta_k\rangle_i\,/\,\langle\Delta_k\rangle_1 - 1|$")
    bx.set_ylim(min(d3.min(), 1e-6) / 3, 5)
    bx.legend(loc="center left", fontsize=7)
    return save_figure(fig, out_dir, "fig4-transfer")


MAP_RATIOS = np.geomspace(0.1, 10.0, 41)
MAP_U = np.linspace(0.01, 0.2, 20)
LINE_U = (0.01, 0.05, 0.1, 0.2)


def figure_transfer_map(out_dir) -> list:
    """Transfer maps: κ̃/κ and Ũ/U against P'/P for several U, and maps over (P'/P, U); data as JSON/CSV."""
    import pathlib

    from ._io import atomic_write, to_csv, to_json
    from ._plotting import pyplot, save_figure

    plt = pyplot()
    base = Model(**PAPER)
    U_all = np.unique(np.concatenate([MAP_U, LINE_U]))
    data = transfer_map(base, MAP_RATIOS, U_all)
    ratio, U = data.ratio, data.U
    kr, Ur = data.kappa_ratio, data.U_ratio

    fig, axes = plt.subplots(2, 2, figsize=(9.0, 7.0))
    (a1, a2), (b1, b2) = axes
    for j, Uv in enumerate(LINE_U):
        i = int(np.argmin(np.abs(U - Uv)))
        a1.loglog(ratio, kr[i], color=f"C{j}", label=f"U = {Uv:g}")
        a2.loglog(ratio, Ur[i], color=f"C{j}", label=f"U = {Uv:g}")
    a1.loglog(ratio, ratio, "k:", lw=1, label="(r, u) kept: P'/P")
    a2.loglog(ratio, 1 / ratio, "k:", lw=1, label="(r, u) kept: P/P'")
    for a, lab in ((a1, "κ̃ / κ"), (a2, "Ũ / U")):
        a.set_xlabel("P' / P")
        a.set_ylabel(lab)
        a.axvline(1.0, color="0.6", lw=0.8)
        a.legend(loc="upper left" if a is a1 else "upper right")
    a1.set_title("transferred ridge")
    a2.set_title("transferred quartic coupling")

    # maps: the correction beyond keeping (r, u), i.e. r/r̃ and ũ/u
    corr_k = kr / ratio[None, :]
    corr_U = Ur * ratio[None, :]
    sel = np.isin(U, MAP_U)
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import NullLocator

    panels = ((b1, corr_k[sel], "(κ̃/κ) ÷ (P'/P) = r / r̃", [0.8, 0.9, 0.95, 0.98, 1.02, 1.05, 1.1, 1.25, 1.5],
               (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0)),
              (b2, corr_U[sel], "(Ũ/U) ÷ (P/P') = ũ / u", [0.9, 0.95, 0.98, 1.005, 1.01],
               (0.9, 0.95, 1.0, 1.05, 1.1)))
    for bx, z, lab, levels, tick_values in panels:
        span = float(np.nanmax(np.abs(np.log(z))))
        norm = LogNorm(vmin=math.exp(-span), vmax=math.exp(span))   # symmetric about 1 (no correction)
        pc = bx.pcolormesh(ratio, U[sel], z, shading="nearest", cmap="RdBu_r", norm=norm)
        cs = bx.contour(ratio, U[sel], z, levels=levels,
                        colors="k", linewidths=0.6)
        bx.clabel(cs, fontsize=6.5, fmt="%g")
        bx.grid(False)
        bx.set_xscale("log")
        bx.set_xlabel("P' / P")
        bx.set_ylabel("U")
        bx.axvline(1.0, color="0.3", lw=0.8, ls=":")
        cb = fig.colorbar(pc, ax=bx, label=lab)
        ticks = [t for t in tick_values if norm.vmin <= t <= norm.vmax]
        cb.ax.yaxis.set_minor_locator(NullLocator())
        cb.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
    b1.set_title("ridge correction beyond (r, u) kept")
    b2.set_title("coupling correction beyond (r, u) kept")
    fig.suptitle(f"Transfer maps from P = {base.P} (α = {base.alpha:g}, β = {base.beta:g}, "
                 f"κ = {base.kappa:.3g}; discrete one-loop flow)")

    paths = save_figure(fig, out_dir, "fig6-transfer-map")
    out = pathlib.Path(out_dir)
    jpath, cpath = out / "fig6-transfer-map.json", out / "fig6-transfer-map.csv"
    atomic_write(jpath, to_json(data.to_dict()))
    header, rows = data.to_rows()
    header = {k: v for k, v in header.items() if k != "U"}
    atomic_write(cpath, to_csv(header, rows))
    return paths + [jpath, cpath]
