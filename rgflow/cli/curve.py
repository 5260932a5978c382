"""``rgflow curve``: the learning curve ⟨L⟩/P, bias and variance against P."""

from __future__ import annotations

from ._common import (
    add_model_args,
    add_output_args,
    add_predictor_args,
    command,
    emit,
    model_from,
    network_from,
    predictor_options,
    real,
    spectrum_from,
)


def arguments(p):
    add_model_args(p, P="list")
    p.add_argument(
        "--width-ratio",
        dest="width_ratio",
        type=real,
        default=None,
        help="a network of width N = round(ratio·P) at each P (fixed N/P) instead of --width",
    )
    add_predictor_args(p)
    add_output_args(p)


@command(
    "curve",
    help="learning curve: loss per sample, bias and variance against P",
    description="Training loss per sample ⟨L⟩/P = bias + variance against P at fixed ridge κ "
    "(r = P/κ, or 1/K with --ridge renormalized; cutoff Λ = P unless --cutoff is given, the "
    "modes of --spectrum FILE), and the expected test and training errors. Keys P, loss, "
    "bias, variance, test_error, train_error, method (JSON also params, version; CSV has "
    "test_error, train_error with --ridge renormalized, else both equal the bias plus the "
    "file's unlearnable residual).",
    example="rgflow curve --alpha 0.2 --beta 0.3 --kappa 3.981 --U 0.05 --P 100:1e5:20 --plot curve.pdf",
    arguments=arguments,
)
def run(ns):
    from ..curves import learning_curve, parse_P_values

    Ps = parse_P_values(ns.P_values)
    net = network_from(ns)
    if ns.width_ratio is not None:
        if net["width"] is not None:
            raise ValueError("give --width or --width-ratio, not both")
        net["width"] = max(1, round(ns.width_ratio * int(Ps[0]))) if ns.width_ratio > 0 else 0
    model_from(ns, P=int(Ps[0]), **net)  # validate before any work
    if ns.width_ratio is not None:
        net.pop("width")
    curve = learning_curve(
        Ps,
        ns.alpha,
        ns.beta,
        ns.kappa,
        ns.U,
        ns.method,
        ns.cutoff,
        spectrum=spectrum_from(ns),
        ridge=ns.ridge,
        noise=ns.noise,
        width_ratio=ns.width_ratio,
        **net,
        **predictor_options(ns),
    )
    emit(ns, curve, plot="learning_curve")
