"""``rgflow spectrum``: a measured spectrum file (.npz) from a Gram matrix, from features and labels, or
from one of scikit-learn's bundled data sets, and optionally its power-law fit (docs/theory.md §5)."""

from __future__ import annotations

import argparse

from ._common import command, integer
from ._source import add_source_args, read_source


def arguments(p):
    add_source_args(p)
    p.add_argument(
        "--modes",
        type=integer,
        default=None,
        help="only the top this many eigenpairs, the kernel applied block by block (never stored, "
        "O(N·modes) memory, any N; the eigenvalue error stated per mode, the target power "
        "outside kept as the residual); needed above N = 20000, where the dense path would "
        "need ≈ 16·N² bytes",
    )
    p.add_argument(
        "--passes",
        type=integer,
        default=None,
        help="passes over the kernel of --modes (default 2; each costs 2·N²·modes flops)",
    )
    p.add_argument(
        "--rank",
        type=integer,
        default=None,
        help="Nyström with this many landmarks (fast, O(N·rank); only its top eigenvalues are accurate)",
    )
    p.add_argument(
        "--seed", type=integer, default=None, help="seed of the landmarks (with --modes or --rank; default 0)"
    )
    p.add_argument(
        "--fit",
        default=None,
        metavar="K_LO:K_HI",
        help="also fit λ_k = A k^-(1+α), y_k² = B k^-(1+β) on this window and report the drift "
        "of the exponents across windows (JSON on stdout)",
    )
    p.add_argument("--out", required=True, metavar="FILE.npz", help="the spectrum file to write (.npz or .csv)")


def _window(text):
    """'K_LO:K_HI' -> (k_lo, k_hi): two integers >= 1 (fit_power_law checks them against the modes)."""
    form = f"--fit must be K_LO:K_HI (two mode indices, integers >= 1), got {str(text)[:40]!r}"
    parts = str(text).split(":")
    if len(parts) != 2:
        raise ValueError(form)
    try:
        lo, hi = (integer(v) for v in parts)
    except argparse.ArgumentTypeError:
        raise ValueError(form) from None
    if lo < 1 or hi < 1:
        raise ValueError(form)
    return lo, hi


@command(
    "spectrum",
    help="a measured spectrum file from a Gram matrix, features or a bundled data set",
    description="Measured spectrum λ_k = eig(K_N/N) (descending) and y_k = u_k·f/√N of a kernel on N data "
    "points (docs/theory.md §5), written to --out (.npz with arrays eigenvalues, target and meta; or .csv "
    "with columns eigenvalue,target) for --spectrum of every model subcommand. Sources: --gram "
    "FILE.npy --target FILE.npy; --features FILE --labels FILE --kernel K; --dataset NAME. Modes "
    "below N·ε·λ_max are dropped (count and target power in meta). Dense path up to N = 20000 "
    "(≈ 16·N² bytes); --modes k for the top k eigenpairs at any N (O(N·k) memory, error "
    "stated per mode), --rank m for the faster, rougher Nyström. Prints JSON: out, N, modes, dropped_modes, "
    "dropped_power, mean_f2 and, with --fit, the fit (A, alpha, B, beta with *_err) and drift.",
    example="rgflow spectrum --dataset wine --kernel rbf --fit 4:40 --out wine.npz",
    arguments=arguments,
)
def run(ns):
    from .._io import to_json
    from ..data import exponent_drift, fit_power_law, save_spectrum, spectrum_from_features, spectrum_from_gram

    if not str(ns.out).endswith((".npz", ".csv")):
        raise ValueError(f"--out must end in .npz or .csv, got {ns.out!r}")
    from ._common import refuse_unused

    refuse_unused(ns, ns.rank is not None or ns.modes is not None, seed="--modes or --rank (the landmarks)")
    refuse_unused(ns, ns.modes is not None, passes="--modes")
    window = _window(ns.fit) if ns.fit is not None else None
    src = read_source(ns, gram_excludes=("rank", "modes"))
    if src.K is not None:
        s = spectrum_from_gram(src.K, src.f)
    else:
        import warnings

        from contextlib import nullcontext

        from .._progress import Progress

        passes = 2 if ns.passes is None else ns.passes
        # the top-k passes can take minutes (N = 10^5, k = 2000: 5-10 min): a bar of 20 steps over the row blocks
        bar_cm = (
            Progress(f"top {ns.modes} eigenpairs, {passes} pass(es)", 20) if ns.modes is not None else nullcontext()
        )
        with warnings.catch_warnings(), bar_cm as bar:  # read_source has warned about raw feature scales already
            warnings.filterwarnings("ignore", message="the feature columns differ")
            s = spectrum_from_features(
                src.X,
                src.f,
                src.kernel,
                rank=ns.rank,
                modes=ns.modes,
                passes=passes,
                seed=ns.seed or 0,
                on_step=None if bar is None else (lambda done, total: bar.advance_to(done / total)),
                **src.params,
            )
    meta = {"source": src.name, **s.meta}
    out = {"out": str(ns.out), **{k: meta[k] for k in ("N", "modes", "dropped_modes", "dropped_power", "mean_f2")}}
    if "max_relative_error" in meta:
        out["max_relative_error"] = meta["max_relative_error"]
    if window is not None:  # fitted before the file is written: a bad window leaves no file
        fit = fit_power_law(*s, k_lo=window[0], k_hi=window[1])
        # the drift: fits on sliding windows [k, w·k] inside the window, w = √(K_HI/K_LO) (≥ 1.5)
        width = max(1.5, (fit["k_hi"] / fit["k_lo"]) ** 0.5)
        drift = exponent_drift(*s, width=width, step=max(1.2, width**0.5), k_min=fit["k_lo"], k_max=fit["k_hi"])
        out["fit"] = fit
        out["drift"] = {
            **drift,
            "alpha_range": [float(drift["alpha"].min()), float(drift["alpha"].max())],
            "beta_range": [float(drift["beta"].min()), float(drift["beta"].max())],
        }
    save_spectrum(ns.out, *s, **meta)
    from .._io import write_output
    from ..results import plain

    write_output(None, to_json(plain(out)))  # the summary to stdout; --out is the spectrum file
    return 0
