"""Figure 5: the training-loss scaling law ⟨L⟩/P against P, discrete sums against continuum forms."""

from __future__ import annotations

from ..curves import PAPER, asymptotic_exponents, continuum_curve, learning_curve, local_slopes, parse_P_values
from .style import PAGE, PARTS, power, pyplot, save


def figure(out_dir, P_line="50:100000:36", P_mark="50:100000:10") -> list:
    """fig5-scaling-law: ⟨L⟩/P, bias and variance against P at α = 0.2, β = 0.3, κ = 1000/100^1.2
    (Λ = P) for U = 0 (GP) and U = 0.05 (RG); middle row the ratio discrete/continuum − 1, bottom
    row the local slopes d ln X/d ln P against the Λ → ∞ exponents −β/(1+α), −α/(1+α)."""
    from matplotlib.lines import Line2D

    plt = pyplot()
    a, b, kappa = PAPER["alpha"], PAPER["beta"], PAPER["kappa"]
    P_line = parse_P_values(P_line)
    P_mark = parse_P_values(P_mark)
    expo = asymptotic_exponents(a, b)
    fig, axes = plt.subplots(3, 2, figsize=(PAGE, 6.4), sharex=True, sharey="row", height_ratios=(2.0, 0.9, 1.1))
    for j, U in enumerate((0.0, 0.05)):
        ax, dx, sx = axes[:, j]
        name = "gp" if U == 0 else "rg"
        disc = learning_curve(P_line, a, b, kappa, U, name)
        cont = continuum_curve(P_line, a, b, kappa, U)
        ex = learning_curve(P_mark, a, b, kappa, U, "exact")
        for key, color in PARTS.items():
            ax.loglog(disc.P, getattr(disc, key), "-", color=color, lw=1.4)
            ax.loglog(cont["P"], cont[key], "--", color="w", lw=0.8, dashes=(3, 3), zorder=2.5)
            ax.loglog(ex.P, getattr(ex, key), "o", color=color, ms=3.5, zorder=3)
            dx.semilogx(disc.P, 100 * (getattr(disc, key) / cont[key] - 1), "-", color=color)
            if key != "loss":
                sx.semilogx(disc.P, local_slopes(disc.P, getattr(disc, key)), "-", color=color)
                sx.semilogx(cont["P"], local_slopes(cont["P"], cont[key]), "--", color=color, lw=0.9, dashes=(4, 3))
                sx.axhline(expo[key], color=color, lw=3, alpha=0.25)
                sx.text(
                    P_line[-1],
                    expo[key] + 0.005,
                    f"${expo[key]:.3f}$",
                    color=color,
                    fontsize=6.5,
                    va="bottom",
                    ha="right",
                )
        if U > 0:
            gp = learning_curve(P_line, a, b, kappa, 0.0, "gp")
            ax.loglog(gp.P, gp.loss, ":", color="0.45", lw=1.1)
        for key in ("bias", "variance"):
            # reference power law P^exponent, anchored 15% below the discrete curve at the largest P
            ref = 0.85 * getattr(disc, key)[-1] * (P_line / P_line[-1]) ** expo[key]
            i0 = len(P_line) // 3
            ax.loglog(P_line[i0:], ref[i0:], "-", color=PARTS[key], alpha=0.25, lw=3.5)
            ax.text(
                P_line[-1],
                ref[-1] * 0.9,
                r"$\propto$" + power("P", expo[key]),
                color=PARTS[key],
                fontsize=7,
                ha="right",
                va="top",
            )
        ax.set_title(r"$U=0$: Gaussian process" if U == 0 else r"$U=0.05$: RG (RG-improved flow)")
        dx.axhline(0, color="0.3", lw=0.6)
        sx.set_xlabel("training samples $P$")
    axes[0, 0].set_ylabel(r"$\langle L\rangle/P$, bias, variance")
    axes[1, 0].set_ylabel("discrete / continuum\n$-\\,1$ (%)")
    axes[2, 0].set_ylabel(r"local slope $d\ln X/d\ln P$")
    axes[2, 0].set_ylim(-0.27, -0.04)
    axes[0, 0].set_ylim(0.07, 2.2)
    handles = [
        Line2D([], [], color=c, lw=2, label=(r"$X=\langle L\rangle/P$" if q == "loss" else f"$X=$ {q}"))
        for q, c in PARTS.items()
    ]
    handles += [
        Line2D([], [], color="0.3", lw=1.4, label="discrete sum over modes"),
        Line2D(
            [], [], color="0.3", lw=0.9, ls="--", dashes=(4, 3), label="continuum closed form (white dashes on top)"
        ),
        Line2D([], [], color="0.3", marker="o", ls="none", ms=3.5, label="exact (HS integral)"),
        Line2D([], [], color="0.45", ls=":", lw=1.1, label=r"loss at $U=0$ (GP)"),
        Line2D([], [], color="0.3", lw=3.5, alpha=0.25, label=r"$\Lambda\to\infty$ power law / exponent"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4)
    fig.suptitle(
        f"Training-loss scaling law: $\\alpha={a}$, $\\beta={b}$, $\\kappa=1000/100^{{1.2}}={kappa:.3f}$ fixed, "
        f"$\\Lambda=P$;\n$\\Lambda\\to\\infty$ exponents $-\\beta/(1+\\alpha)={expo['bias']:.3f}$, $-\\alpha/(1+\\alpha)={expo['variance']:.3f}$"
    )
    return save(fig, out_dir, "fig5-scaling-law")
