"""``rgflow ridge``: the predicted test error of kernel ridge regression against P at the optimal ridge
(``--optimal``) or along a ridge schedule κ = κ₀ (P/P₀)^-ℓ, by the renormalized, pointwise or bare theory."""

from __future__ import annotations

from ._common import VALUES_FORMS, add_output_args, command, emit, integer, real
from ._source import SOURCES, add_source_args, read_source


def arguments(p):
    from ..krr import THEORIES

    p.add_argument("--alpha", type=real, default=None, help="power-law spectrum λ_k = k^-(1+α), α > 0 (with --beta)")
    p.add_argument("--beta", type=real, default=None, help="power-law target y_k² = k^-(1+β), β > -1 (with --alpha)")
    p.add_argument("--cutoff", type=integer, default=None, help="modes Λ of the power law (default 10 × the largest P)")
    p.add_argument(
        "--spectrum",
        default=None,
        metavar="FILE",
        help="a measured spectrum (.npz or .csv, as rgflow spectrum writes) instead of the power law",
    )
    add_source_args(p)
    p.add_argument("--P", dest="P_values", required=True, help=f"training samples P: {VALUES_FORMS}")
    p.add_argument(
        "--theory",
        choices=THEORIES,
        default="renormalized",
        help="renormalized (eigenlearning, default), pointwise (one ridge per data point; needs a data "
        "source --gram/--features/--dataset) or bare (r = P/κ)",
    )
    p.add_argument("--optimal", action="store_true", help="the ridge that minimizes the predicted test error at each P")
    p.add_argument("--kappa", type=real, default=None, help="the ridge κ₀ > 0 of a schedule (instead of --optimal)")
    p.add_argument("--ell", type=real, default=0.0, help="schedule exponent ℓ: κ = κ₀ (P/P₀)^-ℓ (default 0: fixed κ)")
    p.add_argument("--P0", type=real, default=None, help="reference P₀ of the schedule (default the first P)")
    p.add_argument(
        "--noise",
        type=real,
        default=0.0,
        help="label-noise variance σ² ≥ 0 on the training labels (renormalized: + σ²γ/(1 − γ))",
    )
    add_output_args(p, plot=False)


@command(
    "ridge",
    help="the best ridge, or a ridge schedule, and the predicted learning curve",
    description="The predicted test error of kernel ridge regression (U = 0, docs/theory.md §5) against P: "
    "with --optimal at the ridge that minimizes it at each P (a scan in ln κ and Brent's method; "
    "an optimum at κ → 0 is reported as kappa 0 with ridgeless 1), otherwise along the schedule "
    "κ = κ₀ (P/P₀)^-ℓ (--kappa, --ell, --P0). Spectrum: the power law (--alpha, --beta, --cutoff), "
    "a --spectrum FILE, or a data source (--gram/--features/--dataset, whose spectrum is computed; "
    "the pointwise theory needs one). Keys P, kappa, test_error, ridgeless, schedule, theory, domain (the "
    "prediction against real KRR: 'outside: ...' with a warning on stderr, 'unchecked: ...' where only the data's "
    "leverages could tell, or 'inside').",
    example="rgflow ridge --alpha 0.5 --beta 0.5 --P 100,400,1600 --optimal --noise 0.05",
    arguments=arguments,
)
def run(ns):
    import numpy as np

    from .._values import parse_values
    from ..optimal import optimal_curve, schedule_curve

    Ps = parse_values(ns.P_values, "--P", integer=False, spacing="log", low=1)
    if ns.optimal == (ns.kappa is not None):
        raise ValueError("give either --optimal or --kappa K0 (a schedule), exactly one")
    if ns.optimal and (ns.ell != 0.0 or ns.P0 is not None):
        raise ValueError("--ell and --P0 belong to a schedule (--kappa); not with --optimal")
    if ns.noise < 0:
        raise ValueError(f"--noise must be >= 0, got {ns.noise!r}")
    sources = [f for f in SOURCES if getattr(ns, f[2:]) is not None]
    kinds = [
        k
        for k, given in (
            ("--alpha/--beta", ns.alpha is not None or ns.beta is not None),
            ("--spectrum", ns.spectrum is not None),
            ("a data source", bool(sources)),
        )
        if given
    ]
    if len(kinds) != 1:
        raise ValueError(
            f"give exactly one spectrum: --alpha/--beta, --spectrum FILE or a data source "
            f"({', '.join(SOURCES)}); got {', '.join(kinds) or 'none'}"
        )
    gram = f = None
    params = {"theory": ns.theory}
    if kinds[0] == "--alpha/--beta":
        from ..model import Model

        if ns.alpha is None or ns.beta is None:
            raise ValueError("the power law needs both --alpha and --beta")
        cutoff = ns.cutoff if ns.cutoff is not None else int(10 * np.max(Ps))
        spectrum = Model(ns.alpha, ns.beta, 1, 1.0, cutoff=cutoff)
        params.update(alpha=ns.alpha, beta=ns.beta, cutoff=cutoff)
    elif kinds[0] == "--spectrum":
        from ..data import load_spectrum

        spectrum = load_spectrum(ns.spectrum)
        params.update(spectrum=ns.spectrum)
    else:
        from ..data import spectrum_from_gram

        src = read_source(ns)
        gram, f = src.gram(), np.asarray(src.f, dtype=float)
        spectrum = spectrum_from_gram(gram, f) if ns.theory != "pointwise" else None
        params.update(source=src.name, N=src.N, **({"kernel": src.kernel} if src.kernel else {}))
    if kinds[0] != "--alpha/--beta" and ns.cutoff is not None:
        raise ValueError("--cutoff applies to the power law (--alpha/--beta) only")
    if ns.theory == "pointwise" and gram is None:
        raise ValueError(
            "--theory pointwise needs a data source (--gram, --features or --dataset): it reads the Gram matrix"
        )
    if ns.optimal:
        res = optimal_curve(spectrum, Ps, ns.theory, noise=ns.noise, gram=gram, f=f)
    else:
        res = schedule_curve(spectrum, Ps, ns.kappa, ns.ell, ns.P0, ns.theory, noise=ns.noise, gram=gram, f=f)
    import warnings

    for P, note in zip(res.P, res.domain):  # as rgflow krr: the reason on stderr, the field in JSON/CSV
        if note.startswith("outside"):
            warnings.warn(f"P = {P:g}: {note}", RuntimeWarning, stacklevel=2)
    res.params.update(params)
    emit(ns, res)
    return 0
