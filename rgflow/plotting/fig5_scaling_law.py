"""Figure 5: the training-loss scaling law ⟨L⟩/P against P, discrete sums against continuum forms."""
from __future__ import annotations

from ..curves import PAPER, asymptotic_exponents, continuum_curve, learning_curve, local_slopes, parse_P_values


def figure(out_dir) -> list:
    """⟨L⟩/P against P at α = 0.2, β = 0.3, κ = 1000/100^1.2 for U = 0 and U = 0.05."""
    from .._plotting import pyplot, save_figure

    plt = pyplot()
    a, b, kappa = PAPER["alpha"], PAPER["beta"], PAPER["kappa"]
    P_line = parse_P_values("50:100000:36")
    P_mark = parse_P_values("50:100000:10")
    expo = asymptotic_exponents(a, b)
    fig, axes = plt.subplots(2, 2, figsize=(9.5, 7.2), sharex=True, height_ratios=(2.2, 1))
    for j, U in enumerate((0.0, 0.05)):
        ax, axs = axes[0, j], axes[1, j]
        name = "gp" if U == 0 else "rg"
        disc = learning_curve(P_line, a, b, kappa, U, name)
        cont = continuum_curve(P_line, a, b, kappa, U)
        ex = learning_curve(P_mark, a, b, kappa, U, "exact")
        for key, color in (("loss", "k"), ("bias", "C0"), ("variance", "C3")):
            ax.loglog(disc.P, getattr(disc, key), "-", color=color, label=f"{key}: {name} (discrete sum)")
            ax.loglog(cont["P"], cont[key], color="w", lw=0.9, dashes=(2, 3))
            ax.loglog(ex.P, getattr(ex, key), "o", color=color, mfc="none", label=f"{key}: exact")
            if key != "loss":
                axs.semilogx(disc.P, local_slopes(disc.P, getattr(disc, key)), "-", color=color,
                             label=f"{key}: {name}")
                axs.semilogx(cont["P"], local_slopes(cont["P"], cont[key]), color="w", lw=0.9, dashes=(2, 3))
                axs.axhline(expo[key], color=color, lw=3, alpha=0.3, label=f"{key}: {expo[key]:.3f}")
        ax.plot([], [], "--", color="0.6", lw=1.0, label="continuum forms (white dashes)")
        if U > 0:
            gp = learning_curve(P_line, a, b, kappa, 0.0, "gp")
            ax.loglog(gp.P, gp.loss, ":", color="0.5", label="loss at U = 0 (gp)")
        for key, color in (("bias", "C0"), ("variance", "C3")):
            # reference power law P^exponent, anchored 15% below the discrete curve at the largest P
            ref = 0.85 * getattr(disc, key)[-1] * (P_line / P_line[-1]) ** expo[key]
            ax.loglog(P_line, ref, "-", color=color, alpha=0.3, lw=3.5,
                      label=f"reference ∝ P^{expo[key]:.3f} ({key})")
        ax.set_title(f"U = {U:g}" + ("  (Gaussian process)" if U == 0 else "  (rg: RG-improved flow)"))
        axs.set_xlabel("training samples P")
        axs.set_ylim(-0.27, -0.04)
    axes[0, 0].set_ylabel("⟨L⟩/P, bias, variance")
    axes[1, 0].set_ylabel("local slope d ln/d ln P")
    axes[0, 1].legend(loc="lower left", fontsize=6.3, ncol=2)
    axes[1, 1].legend(loc="lower left", fontsize=6.3, ncol=2)
    fig.suptitle(f"Training-loss scaling law, α = {a}, β = {b}, κ = 1000/100^1.2 = {kappa:.3f} fixed, Λ = P\n"
                 f"solid: discrete sums; dashed (white, on top): continuum closed forms; circles: exact; "
                 f"Λ → ∞ exponents −β/(1+α) = {expo['bias']:.3f}, −α/(1+α) = {expo['variance']:.3f}", fontsize=9)
    return save_figure(fig, out_dir, "fig5-scaling-law")

