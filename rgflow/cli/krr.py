"""``rgflow krr``: real kernel ridge regression on a data set against the three U = 0 theories
(renormalized, pointwise, bare; docs/theory.md §5), one row per (κ, P)."""

from __future__ import annotations

from ._common import VALUES_FORMS, add_network_args, add_noise_arg, add_output_args, command, emit, integer, real
from ._source import add_source_args, read_source


def arguments(p):
    from ..krr import THEORIES

    add_source_args(p)
    p.add_argument(
        "--P",
        dest="P_values",
        required=True,
        help=f"training points P (integers in [1, N], drawn without replacement): {VALUES_FORMS}",
    )
    p.add_argument("--kappa", required=True, help=f"ridges κ > 0 (KernelRidge(alpha=κ)): {VALUES_FORMS}")
    p.add_argument(
        "--theory",
        default=",".join(THEORIES),
        help=f"comma-separated theories of {', '.join(THEORIES)} (default all three; pointwise needs N <= 6000)",
    )
    p.add_argument(
        "--neighbours",
        default="auto",
        help="the pointwise theory's neighbour clusters: auto (default) or m >= 0, each point and its m nearest "
        "neighbours drawn exactly (0: the plain pointwise ridge; docs/theory.md §5)",
    )
    p.add_argument("--no-krr", dest="no_krr", action="store_true", help="the theories only, no KRR sampling")
    p.add_argument("--seed", type=integer, default=0, help="seed of the draws of the P training points (default 0)")
    p.add_argument(
        "--rel-se",
        dest="rel_se",
        type=real,
        default=0.02,
        help="draw until KRR's standard error is below this fraction of its mean (default 0.02)",
    )
    p.add_argument(
        "--max-draws",
        dest="max_draws",
        type=integer,
        default=4000,
        help="at most this many draws per (κ, P) (default 4000; at least 2)",
    )
    add_noise_arg(p)
    add_network_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_output_args(
        p, formats=("json", "csv", "text"), format_help="output format: json (default), csv, or text (an aligned table)"
    )


@command(
    "krr",
    help="real kernel ridge regression against the U = 0 theories, from data",
    description="Real kernel ridge regression (scikit-learn's KernelRidge(alpha=κ) on P points drawn without "
    "replacement, test error over all N points, averaged over draws until the standard error is "
    "below --rel-se of the mean) against the U = 0 theories (docs/theory.md §5): renormalized "
    "(eigenlearning on the spectrum of the N points), pointwise (one renormalized ridge per data "
    "point, on the Gram matrix, the P points drawn without replacement as here; N <= 6000) and bare "
    "(r = P/κ). Sources as for rgflow spectrum. "
    "One row per (κ, P): kappa, P, N, krr, krr_stderr, draws (not with --no-krr), the test "
    "error of each theory under its name and ratio_<theory> = krr/<theory>. With --width the trained "
    "model is the finite-width network (docs/networks_real.md): krr is the exact network's test "
    "error (the posterior-mean predictor, KRR at ridge κ/z averaged over the exact posterior of "
    "the kernel scale z, on the same draws) and each theory its finite-width counterpart. JSON: "
    "rows, params, version; CSV: one line per row; --plot: the learning curves. With --noise σ², KRR "
    "trains on the target plus Gaussian noise of variance σ² and its test error is against the clean "
    "target; the theories add their noise terms (renormalized: σ²γ/(1 − γ)); with --width the exact network "
    "trains on the same noisy labels and its theories add theirs (docs/networks_real.md).",
    example="rgflow krr --dataset wine --kernel rbf --P 20,40 --kappa 1,0.1 --format text",
    arguments=arguments,
)
def run(ns):
    import warnings

    import numpy as np

    from .._checks import check_real
    from .._values import parse_values
    from ..krr import check_comparison, compare_real

    Ps = parse_values(ns.P_values, "--P", integer=True, spacing="log", low=1)
    kappas = parse_values(ns.kappa, "--kappa", integer=False, spacing="log", low=None)
    if not np.all(kappas > 0):
        raise ValueError(f"--kappa must be ridges > 0, got {ns.kappa!r}")
    rel_se = check_real("--rel-se", ns.rel_se, low=0, low_open=True)
    noise = check_real("--noise", ns.noise, low=0)
    if ns.max_draws < 2:
        raise ValueError(f"--max-draws must be an integer >= 2, got {ns.max_draws}")
    network = None
    if ns.width is not None:
        from ..network_real import check_network_spec

        N, L, par = check_network_spec(ns.width, 1 if ns.depth is None else ns.depth, ns.parameterization or "standard")
        network = {"width": N, "depth": L, "parameterization": par}
    elif ns.depth is not None or ns.parameterization is not None:
        raise ValueError("--depth and --parameterization describe a network: give its --width too")
    import argparse

    try:
        neighbours = ns.neighbours if ns.neighbours == "auto" else integer(ns.neighbours)
        if neighbours != "auto" and neighbours < 0:
            raise argparse.ArgumentTypeError
    except argparse.ArgumentTypeError:
        raise ValueError(f"--neighbours must be auto or an integer >= 0, got {ns.neighbours!r}") from None
    src = read_source(ns)
    Ps, theories = check_comparison(src.N, Ps, ns.theory)  # before the Gram matrix is computed
    params = {
        "source": src.name,
        **({"kernel": src.kernel} if src.kernel else {}),
        **src.params,
        "N": src.N,
        "theory": ",".join(theories),
        "krr": not ns.no_krr,
        **(network or {}),
        **({"noise": noise} if noise else {}),  # no key at the default 0: the outputs stay as before
        **({"neighbours": neighbours} if neighbours != "auto" else {}),
    }
    options = {}
    if not ns.no_krr:
        params.update(seed=ns.seed, rel_se=rel_se, max_draws=ns.max_draws)
        options = {"rel_se": rel_se, "max_draws": ns.max_draws, "min_draws": min(40, ns.max_draws)}
    K = src.gram()
    kw = dict(
        krr=not ns.no_krr, seed=ns.seed, params=params, network=network, noise=noise, neighbours=neighbours, **options
    )
    if ns.no_krr or ns.quiet:
        res = compare_real(K, src.f, Ps, kappas, theories, **kw)
    else:
        from .._progress import Progress

        with Progress("krr", len(Ps) * len(kappas)) as bar:
            res = compare_real(K, src.f, Ps, kappas, theories, on_step=bar.step, **kw)
    from ..krr import SLACK

    for row in res.rows:  # the pilot sets the draws: the standard error lands near rel_se, rarely above SLACK·rel_se
        if (
            "krr" in row
            and row["krr_stderr"] > (rel_se if row["draws"] >= ns.max_draws else SLACK * rel_se) * row["krr"]
        ):
            warnings.warn(
                f"{'the network' if network else 'KRR'} at kappa = {row['kappa']:g}, P = {row['P']}: standard error "
                f"{row['krr_stderr'] / row['krr']:.1%} of the mean after {row['draws']} draws "
                f"(--max-draws), above --rel-se {rel_se:g}"
            )
    emit(ns, res, plot="krr_comparison", text=_table(res) if ns.format == "text" else None)
    return 0


def _table(res) -> str:
    """The rows as an aligned text table (relative standard error in %, ratios KRR/theory)."""
    p = res.params
    head = f"# rgflow krr: {p['source']}" + (f", kernel {p['kernel']}" if "kernel" in p else "") + f", N = {p['N']}"
    if "noise" in p:
        head += f", label noise σ² = {p['noise']:g}"
    if "width" in p:
        head += f"; network width {p['width']}, depth {p['depth']}, {p['parameterization']} (krr = the exact network)"
    cols = [("kappa", "{:.4g}"), ("P", "{:d}")]
    if p["krr"]:
        cols += [("draws", "{:d}"), ("krr", "{:.4e}"), ("se%", "{:.1f}")]
    for name in res.theories:
        cols += [(name, "{:.4e}")] + ([(f"ratio_{name}", "{:.3f}")] if p["krr"] else [])
    if res.rows and "domain" in res.rows[0]:  # "outside" rows: the reason is in the warning and in JSON/CSV
        cols.append(("domain", "{}"))
    cells = []
    for row in res.rows:
        vals = {**row, "se%": 100 * row["krr_stderr"] / row["krr"]} if p["krr"] else dict(row)
        if "domain" in vals:
            vals["domain"] = vals["domain"].split(":")[0]
        cells.append([fmt.format(vals[key]) for key, fmt in cols])
    widths = [max(len(key), *(len(c[j]) for c in cells)) for j, (key, _) in enumerate(cols)]
    lines = [head, "  ".join(key.rjust(w) for (key, _), w in zip(cols, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(cell, widths)) for cell in cells]
    return "\n".join(lines) + "\n"
