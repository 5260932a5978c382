"""Calibration of the domain warning of the renormalized (eigenlearning) ridge on real data (issue 24 item 7).

For every point of bench/real_krr_results.txt (3 data sets × 3 kernels × 2 targets × κ ∈ {1, 0.1, 0.01} × 4 P)
it computes the spread of the leverages at the renormalized ridge K: h_i = Σ_k L_k u_k(i)², L_k = λ_k/(λ_k + K)
(the diagonal of K_N (K_N + N K)⁻¹; all equal for a translation-invariant kernel, where eigenlearning is exact)
and its coefficient of variation cv = sd(h)/mean(h), and prints it next to the measured KRR/renormalized
(read from the results file). Run: PYTHONPATH=. python bench/leverage_domain.py"""

import pathlib

import numpy as np

from rgflow.data import kernel_matrix
from rgflow.krr import leverage_spread, real_dataset

rows = []
for line in pathlib.Path(__file__).with_name("real_krr_results.txt").read_text().splitlines()[2:]:
    c = line.split()
    if len(c) < 10 or c[0] not in ("digits", "breast_cancer", "diabetes") or c[2] not in ("class", "smooth"):
        continue
    rows.append((c[0], c[1], c[2], float(c[3]), int(c[4]), float(c[8])))
cache = {}
print(f"{'dataset':>14} {'kernel':>7} {'target':>6} {'kappa':>5} {'P':>4} {'cv':>6} {'KRR/renorm':>10}")
out = []
for ds, kn, tg, kappa, P, ratio in rows:
    if (ds, kn) not in cache:
        X, _ = real_dataset(ds, "class")
        K = kernel_matrix(X, kernel=kn)
        N = len(K)
        lam, U = np.linalg.eigh(K / N)
        cache[(ds, kn)] = (lam[::-1].clip(0), U[:, ::-1] ** 2)
    lam, U2 = cache[(ds, kn)]
    cv = leverage_spread(lam, U2, P, kappa)
    out.append((cv, abs(ratio - 1)))
    print(f"{ds:>14} {kn:>7} {tg:>6} {kappa:>5g} {P:>4d} {cv:6.3f} {ratio:10.3f}")
out = np.array(out)
for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0):
    inside = out[:, 0] <= t
    print(
        f"cv <= {t:.1f}: {inside.sum():3d} points, worst |KRR/renorm - 1| {out[inside, 1].max():.3f}, "
        f"off by > 8%: {(out[inside, 1] > 0.08).sum()} inside, {(out[~inside, 1] > 0.08).sum()} of "
        f"{(~inside).sum()} outside"
    )

# the criterion rgflow.krr.domain_note uses: |renormalized/pointwise − 1| > t (the theories' ratio is the ratio of
# the two measured ratios, KRR cancels)
print("\nflag |renormalized/pointwise - 1| > t (rgflow.krr.RENORMALIZED_VS_POINTWISE = 0.06):")
pw = []
for line in pathlib.Path(__file__).with_name("real_krr_results.txt").read_text().splitlines()[2:]:
    c = line.split()
    if len(c) >= 11 and c[2] in ("class", "smooth"):
        pw.append((float(c[10]) / float(c[8]), abs(float(c[8]) - 1)))
pw = np.array(pw)
for t in (0.04, 0.05, 0.06, 0.08):
    out_ = np.abs(pw[:, 0] - 1) > t
    miss = pw[:, 1] > 0.08
    print(
        f"t = {t:.2f}: {out_.sum():3d} of {len(pw)} flagged; misses > 8% caught {np.sum(out_ & miss)} of {miss.sum()}, "
        f"false alarms {np.sum(out_ & ~miss)}; worst |KRR/renorm - 1| not flagged {pw[~out_, 1].max():.3f}"
    )
