"""Quick plots of one result, for ``--plot FILE.png|pdf|svg`` of the command line.

One small function per result kind, ``name(result, path)``: mathtext labels, the parameters in the
title, the file written atomically in the format of its extension. matplotlib is imported here only.
"""

from __future__ import annotations

import math
import pathlib

import numpy as np

_SYMBOLS = {"alpha": r"\alpha", "beta": r"\beta", "P": "P", "kappa": r"\kappa", "U": "U", "cutoff": r"\Lambda"}


def _title(what, params, extra=""):
    """'what' and the parameters in mathtext, e.g. 'rg: $\\alpha=0.2$, $\\beta=0.3$, …'."""
    parts = [f"${_SYMBOLS[k]}={v:.4g}$" for k, v in params.items() if k in _SYMBOLS and v is not None]
    return f"{what}\n" + ", ".join(parts) + (f"; {extra}" if extra else "")


def _figure(ncols=1, width=4.6):
    from .render import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, 3.6), squeeze=False)
    return plt, fig, axes[0]


def _plain_ticks(axis) -> None:
    """Log-axis labels 0.3, 1, 3 instead of 3×10⁻¹, 10⁰, 3×10⁰ (minor ticks labelled at 2, 3, 5 × 10ⁿ only)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(
        FuncFormatter(
            lambda v, _: f"{v:g}" if v > 0 and round(v / 10 ** math.floor(math.log10(v)), 6) in (2, 3, 5) else ""
        )
    )


def _save(fig, path) -> None:
    """Write ``fig`` to ``path`` (format from the extension; identical bytes for identical input) and close it."""
    import matplotlib.pyplot as plt

    from .._io import write_output
    from .render import figure_bytes

    try:
        data = figure_bytes(fig, pathlib.Path(path).suffix)
    finally:
        plt.close(fig)
    write_output(path, data)


def prediction(pred, path) -> None:
    """⟨Δ_k⟩ against y_k and Var Δ_k against λ_k (the untrained values), log-log in k."""
    plt, fig, (a, b) = _figure(2)
    m = pred.model
    k = m.k
    a.loglog(k, m.target(), ":", color="0.5", label=r"$y_k$ (untrained)")
    a.loglog(k, pred.mean, "-", color="C0", label=r"$\langle\Delta_k\rangle$")
    b.loglog(k, m.eigenvalues(), ":", color="0.5", label=r"$\lambda_k$ (untrained)")
    b.loglog(k, pred.var, "-", color="C0", label=r"$\mathrm{Var}\,\Delta_k$")
    for ax, name in ((a, r"mean $\langle\Delta_k\rangle$"), (b, r"variance $\mathrm{Var}\,\Delta_k$")):
        ax.set(xlabel=r"mode $k$", ylabel=name)
        ax.legend(loc="lower left")
    fig.suptitle(
        _title(
            f"prediction ({pred.method})",
            m.params,
            rf"$\langle L\rangle/P={pred.loss:.4g}$ = bias {pred.bias:.3g} + variance {pred.variance:.3g}",
        )
    )
    _save(fig, path)


def trajectory(traj, path) -> None:
    """The running couplings r, u and the rescaled r̂, Û, s against τ = ln(Λ/k_c)."""
    plt, fig, (a, b) = _figure(2)
    if traj.scheme == "continuum":
        st = traj(np.linspace(0.0, traj.tau[-1], 300))
    else:
        st = traj.at_mode(np.unique(np.round(np.geomspace(1, traj.model.cutoff, 300)).astype(int))[::-1])
    a.plot(st["tau"], st["r"], color="C0", label=r"mass $r$")
    a2 = a.twinx()
    a2.plot(st["tau"], st["u"], color="C3", label=r"quartic $u$")
    a.set_xlabel(r"RG time $\tau=\ln(\Lambda/k_c)$")
    a.set_ylabel(r"running mass $r$", color="C0")
    a2.set_ylabel(r"running quartic $u$", color="C3")
    a2.grid(False)
    for key, label, color in (
        ("r_hat", r"$\hat r=r\lambda(k_c)$", "C0"),
        ("U_hat", r"$\hat U=u\lambda(k_c)^2$", "C3"),
        ("s", r"$s$", "k"),
    ):
        b.semilogy(st["tau"], st[key], color=color, label=label)
    b.set(xlabel=r"RG time $\tau=\ln(\Lambda/k_c)$", ylabel="rescaled couplings")
    b.legend(loc="best")
    fig.suptitle(_title(f"RG flow ({traj.scheme})", traj.model.params), fontsize=9)
    _save(fig, path)


def learning_curve(curve, path) -> None:
    """⟨L⟩/P, bias and variance against P, log-log."""
    plt, fig, (ax,) = _figure()
    ax.loglog(curve.P, curve.loss, "o-", color="k", ms=3, label=r"$\langle L\rangle/P$")
    ax.loglog(curve.P, curve.bias, "s--", color="C0", ms=3, label="bias")
    ax.loglog(curve.P, curve.variance, "^--", color="C1", ms=3, label="variance")
    ax.set(xlabel=r"training samples $P$", ylabel=r"$\langle L\rangle/P$, bias, variance")
    _plain_ticks(ax.yaxis)
    ax.legend(loc="best")
    fig.suptitle(_title(f"learning curve ({curve.method}), fixed $\\kappa$", curve.params), fontsize=9)
    _save(fig, path)


def transfer(res, path) -> None:
    """The running mass r and quartic u along the trajectory that connects the two models."""
    plt, fig, (a, b) = _figure(2)
    src, new = res.source, res.model
    traj = res.trajectory
    if traj is not None:
        st = (
            traj(np.linspace(0.0, traj.tau[-1], 200))
            if traj.scheme == "continuum"
            else traj.at_mode(np.unique(np.round(np.geomspace(1, traj.model.cutoff, 200)).astype(int)))
        )
        a.semilogx(st["k_c"], st["r"], "-", color="C0", label="RG trajectory")
        b.semilogx(st["k_c"], st["u"], "-", color="C0", label="RG trajectory")
    for m, mark, name in ((src, "o", f"given, $P={src.P}$"), (new, "s", f"transferred, $P'={new.P}$")):
        a.semilogx([m.P], [m.r], mark, color="C3" if mark == "s" else "k", label=name)
        if m.u > 0:
            b.semilogx([m.P], [m.u], mark, color="C3" if mark == "s" else "k", label=name)
    a.set(xlabel=r"cutoff mode $k_c$", ylabel=r"running mass $r$  (model: $r = P/\kappa$)")
    b.set(xlabel=r"cutoff mode $k_c$", ylabel=r"running quartic $u$  (model: $u = UP$)")
    a.legend(loc="best")
    fig.suptitle(
        _title(
            f"transfer to $P'={new.P}$: $\\tilde\\kappa={new.kappa:.4g}$, $\\tilde U={new.U:.4g}$ ({res.scheme} flow)",
            src.params,
        ),
        fontsize=9,
    )
    _save(fig, path)


def scaling(res, path) -> None:
    """Effective exponents d ln g/dτ along τ, the analytic band of U and γ_r, the massless window."""
    plt, fig, (ax,) = _figure(width=6.0)
    e = res.effective
    lo, hi = res.U["interval"]
    ax.axhspan(lo, hi, color="C0", alpha=0.15, label=rf"band of $U$: $[\gamma_U-1,\gamma_U]=[{lo:.3g},{hi:.3g}]$")
    ax.axhline(res.r["interval"][0], color="C2", ls=":", label=rf"$\gamma_r={res.r['interval'][0]:.3g}$")
    t, v = e["U_effect"]["tau"], e["U_effect"]["value"]  # defined points only, each at its own τ
    ax.plot(t[t > 0], v[t > 0], "-", color="C0", label=r"effect of $U$ on the cutoff mode")
    ax.plot(
        e["U_hat_flow"]["tau"],
        e["U_hat_flow"]["value"],
        "-",
        color="C3",
        lw=1.0,
        label=r"$d\ln\hat U/d\tau$ along the flow",
    )
    ax.plot(
        e["r_hat_flow"]["tau"],
        e["r_hat_flow"]["value"],
        "-",
        color="C2",
        lw=1.0,
        label=r"$d\ln\hat r/d\tau$ along the flow",
    )
    if res.window_tau[1] > 0:
        ax.axvspan(
            0, res.window_tau[1], color="0.5", alpha=0.12, label=rf"massless window $\hat r\leq{res.r_hat_max:g}$"
        )
    ax.set(
        xlabel=r"RG time $\tau=\ln\ell$",
        ylabel=r"effective exponent $d\ln g/d\tau$",
        xlim=(0, math.log(res.params["cutoff"])),
    )
    ax.legend(loc="best", fontsize=7)
    fig.suptitle(_title("scaling interval", res.params), fontsize=9)
    _save(fig, path)


def surface(result, path) -> None:
    """log10 ⟨L⟩/P on the (P, Λ) grid; with a fit, its exponents in the title."""
    from matplotlib.colors import LogNorm

    surf, fit = result
    plt, fig, (ax,) = _figure(width=5.4)
    P, L = np.asarray(surf.P, float), np.asarray(surf.cutoff, float)
    im = ax.pcolormesh(
        P,
        L,
        np.asarray(surf.loss).T,
        shading="nearest",
        cmap="viridis",
        norm=LogNorm(np.min(surf.loss), np.max(surf.loss)),
    )
    fig.colorbar(im, ax=ax, label=r"$\langle L\rangle/P$")
    ax.set(xscale="log", yscale="log", xlabel=r"training samples $P$", ylabel=r"cutoff (model size) $\Lambda$")
    ax.grid(False)
    extra = ""
    if fit is not None:
        f = fit.parts["loss"]
        extra = (
            rf"fit $c/a={f['fitted']['c/a']:.4f}\pm{f['stderr']['c/a']:.1g}$, "
            rf"$b/a={f['fitted']['b/a']:.4f}\pm{f['stderr']['b/a']:.1g}$"
        )
    fig.suptitle(_title(f"loss surface ({surf.method})", surf.params, extra), fontsize=9)
    _save(fig, path)


def dynamics(res, path) -> None:
    """L(t) and the error energy of every shell, log-log in t."""
    import matplotlib

    plt, fig, (a, b) = _figure(2)
    a.loglog(res.t, res.loss, "-", color="k")
    a.set(xlabel=r"time $t$", ylabel=r"$\langle L\rangle/P\,(t)$")
    _plain_ticks(a.yaxis)
    cmap = matplotlib.colormaps["viridis"]
    n = len(res.shell_lambda)
    for j in range(n):
        k0, k1 = res.shell_k[j], res.shell_k[j + 1] - 1
        b.loglog(
            res.t,
            res.energy[j] / res.energy[j, 0],
            color=cmap(j / max(n - 1, 1)),
            label=(f"$k={k0}$" if k0 == k1 else f"$k={k0}$–${k1}$") if j in (0, n - 1) else None,
        )
    b.set(xlabel=r"time $t$", ylabel=r"$E(\lambda_j,t)/E(\lambda_j,0)$")
    b.legend(loc="lower left", fontsize=7)
    fig.suptitle(_title(f"learning dynamics ({res.method})", res.model.params), fontsize=9)
    _save(fig, path)


def flow_field(ff, path) -> None:
    """The flow field at every τ (streamlines coloured by ln|v|, nullclines dashed), one panel per τ."""
    from matplotlib.colors import Normalize

    from .fig2_flow_field import _draw_panel, _tick_sci
    from .render import pyplot

    plt = pyplot()
    lm = ff.ln_magnitude[np.isfinite(ff.ln_magnitude)]
    norm = Normalize(*np.percentile(lm, [1, 99]))
    fig, axes = plt.subplots(1, len(ff.tau), figsize=(3.0 * len(ff.tau) + 0.8, 3.7), squeeze=False)
    for i, ax in enumerate(axes[0]):
        strm = _draw_panel(ax, ff, i, norm, plt.get_cmap("viridis"))
        ax.set_title(f"$\\tau={ff.tau[i]:g}$  ($k_c={ff.k_c[i]:.4g}$)")
        ax.set_xlabel("$\\hat U$" if ff.rescaled else "$U = u/P$")
        _tick_sci(ax, "x")
        _tick_sci(ax, "y")
        ax.grid(False)
    axes[0][0].set_ylabel("$\\hat r$" if ff.rescaled else "$r$")
    handles, labels = [], []
    for ax in axes[0]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=len(handles))
    fig.colorbar(strm.lines, ax=list(axes[0]), pad=0.01, fraction=0.03).set_label("$\\ln|v|$")
    p = ff.params
    fig.suptitle(
        f"RG flow field, $\\alpha={p['alpha']:g}$, $\\beta={p['beta']:g}$, $\\Lambda={p['cutoff']}$"
        + ("" if ff.rescaled else f", $P={p['P']}$")
        + " (rgflow "
        + ff.version
        + ")"
    )
    _save(fig, path)


def krr_comparison(res, path) -> None:
    """Learning curves of :func:`rgflow.krr.compare_real`: real KRR's test error against P (points with
    standard-error bars) and each theory (lines: renormalized solid, pointwise dashed, bare dotted), one
    colour per κ, log-log."""
    plt, fig, (ax,) = _figure(width=5.6)
    styles = {"renormalized": "-", "pointwise": "--", "bare": ":"}
    kappas = list(dict.fromkeys(r["kappa"] for r in res.rows))
    for i, kappa in enumerate(kappas):
        rows = [r for r in res.rows if r["kappa"] == kappa]
        P = np.array([r["P"] for r in rows], dtype=float)
        order = np.argsort(P)
        color = f"C{i % 10}"
        if "krr" in rows[0]:
            ax.errorbar(
                P[order],
                np.array([r["krr"] for r in rows])[order],
                yerr=np.array([r["krr_stderr"] for r in rows])[order],
                fmt="o",
                ms=4,
                capsize=2,
                color=color,
                label=rf"KRR, $\kappa={kappa:g}$",
            )
        else:
            ax.plot([], [], "-", color=color, lw=4, label=rf"$\kappa={kappa:g}$")
        for name in res.theories:
            ax.loglog(P[order], np.array([r[name] for r in rows])[order], styles[name], color=color, lw=1.2)
    for name in res.theories:  # one legend entry per theory, in grey (the colour is the ridge)
        ax.plot([], [], styles[name], color="0.3", lw=1.2, label=name)
    ax.set(xscale="log", yscale="log", xlabel=r"training points $P$", ylabel="test error over the data set")
    _plain_ticks(ax.xaxis)
    _plain_ticks(ax.yaxis)
    ax.legend(loc="best", fontsize=7)
    p = res.params
    what = p["source"] + (f", {p['kernel']} kernel" if "kernel" in p else "")
    fig.suptitle(
        f"real KRR against the U = 0 theories\n{what}, $N={p['N']}$" + ("" if p["krr"] else " (theories only)"),
        fontsize=9,
    )
    _save(fig, path)
