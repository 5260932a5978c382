"""``rgflow fit``: fit a measured learning curve (CSV: P,test_error[,seed]) with the renormalized theory, or a
baseline form, and extrapolate it with a central band."""

from __future__ import annotations

from ._common import VALUES_FORMS, add_network_args, add_output_args, command, emit, integer, real


def arguments(p):
    from ..fit import BASELINES

    p.add_argument(
        "--curve",
        required=True,
        metavar="FILE.csv",
        help="the measured curve: columns P,test_error and optionally seed (one row per measurement; "
        "a header row and # comment lines allowed)",
    )
    p.add_argument(
        "--spectrum",
        default=None,
        metavar="FILE",
        help="the known spectrum (.npz or .csv): fit only kappa_eff and sigma2, the exponents are "
        "predictions; without it the power law's alpha, beta, kappa, B, sigma2 are fitted",
    )
    p.add_argument(
        "--kappa",
        type=real,
        default=None,
        help="the nominal ridge κ > 0 of the measured curve (the fit's first start; with --spectrum "
        "the ratio kappa_eff/kappa is reported)",
    )
    p.add_argument(
        "--cutoff",
        type=integer,
        default=None,
        help="modes Λ of the power-law model (default 10^6; the data set's N for KRR on N points)",
    )
    p.add_argument(
        "--U",
        type=real,
        default=None,
        help="power-law mode: a fixed quartic coupling U >= 0; U > 0 predicts with the quartic's rg method "
        "(default 0: eigenlearning)",
    )
    add_network_args(p)  # power-law mode: a fixed network, predicted by the network's exact method (no sigma2)
    p.add_argument(
        "--predict-P",
        dest="predict_P",
        default=None,
        help=f"extrapolate to these P (each with a central band): {VALUES_FORMS}",
    )
    p.add_argument("--level", type=real, default=0.9, help="central probability of the band (default 0.9)")
    p.add_argument(
        "--bootstrap",
        type=integer,
        default=100,
        help="bootstrap resamples over seeds when the curve has >= 3 seeds (default 100; 0: delta method)",
    )
    p.add_argument("--seed", type=integer, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument(
        "--form",
        choices=("rgflow",) + BASELINES,
        default="rgflow",
        help="the model fitted: rgflow (the renormalized theory, default), power_law_constant "
        "(a P^-b + c) or chinchilla (e^E0 + e^A P^-b, Huber loss on ln E)",
    )
    add_output_args(p, plot=False)


@command(
    "fit",
    help="fit a measured learning curve and extrapolate it with a band",
    description="Fit a measured test-error curve E(P) (CSV columns P,test_error and optionally seed) with "
    "the renormalized theory with label noise, E = [Σ(1 − L_k)² y_k² + ε² + σ²γ]/(1 − γ): with "
    "--spectrum only kappa_eff and sigma2 (the exponents are predictions; the spectrum's exponent "
    "drift widens the band), without it the power law's alpha, beta, kappa, B, sigma2 (with --U u: the "
    "quartic's rg prediction at that U; with --width N [--depth L --parameterization P]: the network's exact "
    "prediction, no sigma2; both start from the U = 0 fit and use the delta method). Robust "
    "loss on ln E; intervals by bootstrap over seeds (>= 3 seeds) or the delta method. JSON: "
    "fitted, stderr (name -> value), prediction (a list of {P, value, lower, upper}, a central "
    "--level band), interval, derived, residual_scale, n_points, params, version.",
    example="rgflow fit --curve curve.csv --predict-P 200,400 --format json",
    arguments=arguments,
)
def run(ns):
    from .._values import parse_values
    from ..fit import fit_baseline, fit_curve, read_curve

    predict_P = (
        parse_values(ns.predict_P, "--predict-P", integer=False, spacing="log", low=1)
        if ns.predict_P is not None
        else None
    )
    if ns.bootstrap < 0:
        raise ValueError(f"--bootstrap must be an integer >= 0, got {ns.bootstrap}")
    if ns.seed < 0:
        raise ValueError(f"--seed must be an integer >= 0, got {ns.seed}")
    if not 0 < ns.level < 1:
        raise ValueError(f"--level must lie in (0, 1), got {ns.level!r}")
    if ns.kappa is not None and not ns.kappa > 0:
        raise ValueError(f"--kappa must be > 0, got {ns.kappa!r}")
    if ns.form != "rgflow" and (ns.spectrum is not None or ns.kappa is not None or ns.cutoff is not None):
        raise ValueError(
            f"--form {ns.form} fits its own parameters; --spectrum, --kappa and --cutoff belong to --form rgflow"
        )
    coupled = ns.U is not None or ns.width is not None or ns.depth is not None or ns.parameterization is not None
    if coupled and (ns.form != "rgflow" or ns.spectrum is not None):
        raise ValueError(
            "--U, --width, --depth and --parameterization belong to the power-law fit (--form rgflow, no --spectrum)"
        )
    if ns.U is not None and not ns.U >= 0:
        raise ValueError(f"--U must be a number >= 0, got {ns.U!r}")
    if ns.width is None and (ns.depth is not None or ns.parameterization is not None):
        raise ValueError("--depth and --parameterization describe a network: give its --width too")
    if ns.width is not None and ns.U:
        raise ValueError(f"--U must be 0 with --width (finite width is the coupling), got {ns.U!r}")
    if ns.spectrum is not None and ns.cutoff is not None:
        raise ValueError("--cutoff applies to the power-law model; --spectrum brings its own modes")
    curve = read_curve(ns.curve)
    spectrum = None
    if ns.spectrum is not None:
        from ..data import load_spectrum

        spectrum = load_spectrum(ns.spectrum)
    opts = dict(predict_P=predict_P, level=ns.level, bootstrap=ns.bootstrap, rng_seed=ns.seed)
    if ns.form == "rgflow":
        net = {} if ns.width is None else {"width": ns.width, "depth": ns.depth or 1}
        if ns.width is not None:
            net["parameterization"] = ns.parameterization or "standard"
        res = fit_curve(
            curve["P"],
            curve["test_error"],
            curve["seed"],
            spectrum=spectrum,
            kappa=ns.kappa,
            cutoff=ns.cutoff,
            U=ns.U or 0.0,
            **net,
            **opts,
        )
    else:
        res = fit_baseline(curve["P"], curve["test_error"], curve["seed"], form=ns.form, **opts)
    res.params.update(curve=ns.curve, **({"spectrum": ns.spectrum} if ns.spectrum else {}))
    # the ridge of the model (issue 24 item 7): rgflow's fit is eigenlearning (the renormalized ridge); a baseline has none
    res.params["ridge"] = "renormalized" if ns.form == "rgflow" else "none"
    emit(ns, res)
    return 0
