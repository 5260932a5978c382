"""Why the pointwise renormalized ridge misses real KRR at very small P (issue 14): each approximation of its
cavity derivation checked against Monte-Carlo KRR on the same Gram matrix (docs/theory.md §5).

The theory's draws are i.i.d. with replacement (φ_j independent of the cavity resolvent Q₋ of the other P − 1
points); the KRR bench draws without replacement. Per P, from ``draws`` random training sets:

  (d)  KRR without vs with replacement (the theory's setting);
  split  MC bias = mean_i (E_S e_i)² (squared mean residual) and fluctuation = E_test − bias, against
       eigenlearning (bias = Σ(1 − L)²y², fluctuation = γ/(1 − γ) · bias) and the pointwise ridge;
  (a)  the leave-one-out resolvent has P − 1 points: the exact identity E[Q] = K₀⁻¹(I − E[Q₋ Σ_w̃(Q₋)]) with
       Q₋'s deterministic equivalent (= the pointwise solution at (P − 1, κ)) gives the mean residual
       ρ_a = (P ρ(P − 1) − f)/(P − 1), an O(1/P) change of the first-order term (exact at P = 1, where Q₋ = 1/K₀
       and ρ_a = f − K (f/(κ + diag K))/N); its bias mean ρ_a² vs MC;
  (b)  leverage fluctuations over draws: w̃_i = κ/(κ + v_i), v_i the posterior variance of point i given the
       other P − 1 drawn points (i outside them), E[w̃_i]/w_i and E[w̃_i²]/w_i²;
  (c)  the t-system: t_i = φ_iᵀE[QΣQ]φ_i = E[(1/N) Σ_k (ΦQΦᵀ)_ik²] by MC against the closure's t_i, and the
       fluctuation term (1/(PN)) Σ_i w_i² t_i ρ_i² with t → t_MC or w² → E[w̃²];
  where  the per-point expected squared error E_i = [(I − (H∘H) W²/(PN))⁻¹ ρ²]_i (mean_i E_i = the pointwise
       test error) against MC, as quantiles of MC/theory over the points.

    python bench/pointwise_small_P_diagnosis.py [DATASET KERNEL TARGET KAPPA P,P,.. DRAWS]
    python bench/pointwise_small_P_diagnosis.py gaussian    # Gaussian features on wine/ntk's spectrum
    python bench/pointwise_small_P_diagnosis.py elliptical  # x_i = √s_i g_i: heterogeneous, non-universal
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.krr import gaussian_feature_krr, real_dataset  # noqa: E402
from rgflow.ridge import pointwise_errors, ridge_errors  # noqa: E402


def pointwise_parts(K, f, P, kappa):
    """w, H = K (W K/N + K₀)⁻¹, ρ = K₀ (K W/N + K₀)⁻¹ f and t of the pointwise ridge (docs/theory.md §5)."""
    N = len(f)
    K0 = kappa / P
    pw = pointwise_errors(K, f, P, kappa)
    w = K0 / pw.K_points
    H = np.linalg.solve((w[:, None] * K / N + K0 * np.eye(N)).T, K.T).T
    rho = K0 * np.linalg.solve(K * w[None, :] / N + K0 * np.eye(N), f)
    t = np.linalg.solve(np.eye(N) - (H * H) * (w * w / (P * N))[None, :], (H * H).sum(1) / N)
    return pw, w, H, rho, t


def krr_residual(K, f, idx, kappa):
    return f - K[:, idx] @ np.linalg.lstsq(K[np.ix_(idx, idx)] + kappa * np.eye(len(idx)), f[idx], rcond=None)[0]


def diagnose(K, f, kappa, Ps, draws, seed=0):
    N = len(f)
    spectrum = spectrum_from_gram(K, f)
    rng = np.random.default_rng(seed)
    for P in Ps:
        K0 = kappa / P
        pw, w, H, rho, t = pointwise_parts(K, f, P, kappa)
        el = ridge_errors(*spectrum, P, kappa)
        no_rep = np.mean(
            [np.mean(krr_residual(K, f, rng.choice(N, P, replace=False), kappa) ** 2) for _ in range(draws)]
        )
        errs, rsum, r2sum, tmc = [], np.zeros(N), np.zeros(N), np.zeros(N)
        w1, w2, nout = np.zeros(N), np.zeros(N), np.zeros(N)
        for _ in range(draws):
            idx = rng.choice(N, P, replace=True)
            r = krr_residual(K, f, idx, kappa)
            errs.append(np.mean(r * r))
            rsum += r
            r2sum += r * r
            HQ = (K - K[:, idx] @ np.linalg.lstsq(K[np.ix_(idx, idx)] + kappa * np.eye(P), K[idx], rcond=None)[0]) / K0
            tmc += (HQ * HQ).sum(1) / N
            rest = idx[:-1]  # the cavity: P − 1 other points
            v = (
                K.diagonal()
                - np.einsum(
                    "ij,ji->i",
                    K[:, rest],
                    np.linalg.lstsq(K[np.ix_(rest, rest)] + kappa * np.eye(P - 1), K[rest], rcond=None)[0],
                )
                if P > 1
                else K.diagonal()
            )
            out = np.ones(N, bool)
            out[rest] = False
            wt = kappa / (kappa + v)
            w1[out] += wt[out]
            w2[out] += wt[out] ** 2
            nout[out] += 1
        errs = np.asarray(errs)
        E, se = errs.mean(), errs.std(ddof=1) / np.sqrt(draws)
        bias = np.mean((rsum / draws) ** 2)
        tmc /= draws
        Ew, Ew2 = w1 / nout, w2 / nout
        el_bias = el.test_error * (1 - el.gamma)
        if P > 1:
            rho1 = pointwise_parts(K, f, P - 1, kappa)[3]
            bias_a = np.mean(((P * rho1 - f) / (P - 1)) ** 2)
        else:  # Q₋ = 1/K₀ exactly: (a) is exact at P = 1
            bias_a = np.mean((f - K @ (f / (kappa + K.diagonal())) / N) ** 2)
        c = 1.0 / (P * N)
        E_i = np.linalg.solve(np.eye(N) - (H * H) * (w * w / (P * N))[None, :], rho * rho)
        print(
            f"P = {P}: KRR without repl. {no_rep:.4f}, with repl. {E:.4f} +- {se / E:.3f} | KRR(with)/eigen "
            f"{E / el.test_error:.3f}  KRR(with)/pointwise {E / pw.test_error:.3f}"
        )
        print(
            f"   split  bias: MC {bias:.4f} eigen {el_bias:.4f} pointwise {pw.bias:.4f} (a: P-1 cavity {bias_a:.4f})"
            f" | fluct: MC {E - bias:.4f} eigen {el.test_error - el_bias:.4f} pointwise {pw.fluctuation:.4f}"
        )
        print(
            f"   (b) E[w~]/w median {np.median(Ew / w):.3f} [{np.min(Ew / w):.2f}, {np.max(Ew / w):.2f}], "
            f"E[w~^2]/w^2 median {np.median(Ew2 / w**2):.3f} | (c) t_MC/t median {np.median(tmc / t):.3f} "
            f"[{np.min(tmc / t):.2f}, {np.max(tmc / t):.2f}] | fluct with t_MC {c * np.sum(w * w * tmc * rho * rho):.4f},"
            f" with E[w~^2] {c * np.sum(Ew2 * t * rho * rho):.4f}, with both {c * np.sum(Ew2 * tmc * rho * rho):.4f}"
        )
        print(
            "   per-point E_i, MC/theory quantiles 5 25 50 75 95%: "
            + " ".join(f"{x:.2f}" for x in np.quantile(r2sum / draws / E_i, [0.05, 0.25, 0.5, 0.75, 0.95])),
            flush=True,
        )


def gaussian(kappas=(0.02, 1.0), Ps=(5, 7, 10, 20), draws=3000):
    """Eigenlearning against KRR on Gaussian features with wine/ntk/class's spectrum (equal leverages in law)."""
    X, f = real_dataset("wine", "class")
    lam, y = spectrum_from_gram(kernel_matrix(X, kernel="ntk"), f)
    for kappa in kappas:
        for P in Ps:
            g = gaussian_feature_krr(lam, y, P, kappa, draws=draws, seed=0)
            el = ridge_errors(lam, y, P, kappa).test_error
            print(
                f"kappa = {kappa:g} P = {P:3d}: Gaussian-feature KRR/eigenlearning {g['mean'] / el:.3f} +- "
                f"{g['stderr'] / el:.3f}",
                flush=True,
            )


def elliptical(kappa=0.02, Ps=(5, 10, 20, 40), draws=3000, N=300):
    """x_i = √s_i g_i (g_i ~ N(0, diag λ), λ_k = k^-1.5), f = x·θ with θ_k = 1/k: KRR (without replacement)
    against eigenlearning and the pointwise ridge for s ≡ 1, a two-point s and a log-normal s."""
    rng = np.random.default_rng(0)
    k = np.arange(1, N + 1)
    G = rng.standard_normal((N, N)) * k**-0.75
    for name, s in (
        ("s = 1", np.ones(N)),
        ("s in {1/3, 5/3}", rng.choice([1 / 3, 5 / 3], N)),
        ("s log-normal(0, 0.7)", np.exp(0.7 * rng.standard_normal(N) - 0.245)),
    ):
        Xf = np.sqrt(s)[:, None] * G
        K, f = Xf @ Xf.T, Xf @ (1.0 / k)
        spectrum = spectrum_from_gram(K, f)
        row = []
        for P in Ps:
            e = np.array(
                [np.mean(krr_residual(K, f, rng.choice(N, P, replace=False), kappa) ** 2) for _ in range(draws)]
            )
            row.append(
                f"P={P}: /eigen {e.mean() / ridge_errors(*spectrum, P, kappa).test_error:.3f} /pointw "
                f"{e.mean() / pointwise_errors(K, f, P, kappa).test_error:.3f} (se {e.std() / np.sqrt(draws) / e.mean():.3f})"
            )
        print(
            f"{name:>20}: K_ii in [{K.diagonal().min():.2f}, {K.diagonal().max():.2f}]  " + "  ".join(row), flush=True
        )


def main(dataset="wine", kernel="ntk", target="class", kappa="0.02", Ps="5,7,10,20", draws="2000"):
    if dataset == "gaussian":
        return gaussian()
    if dataset == "elliptical":
        return elliptical()
    X, f = real_dataset(dataset, target)
    K = kernel_matrix(X, kernel=kernel)
    print(
        f"{dataset}, {kernel}, {target}, kappa = {kappa}: N = {len(f)}, K_ii in [{K.diagonal().min():.2f}, "
        f"{K.diagonal().max():.2f}]"
    )
    diagnose(K, f, float(kappa), [int(p) for p in Ps.split(",")], int(draws))


if __name__ == "__main__":
    main(*sys.argv[1:7])
