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
    p.add_argument(
        "--modes",
        default=None,
        metavar="K1,K2,...",
        help="per-mode learning curves of these modes k (1-based, e.g. 1,10,100): columns learnability_k "
        "(L_k = λ_k/(λ_k + K) at U = 0) and error_k ((1 − L_k)² y_k² at U = 0) at every P",
    )
    add_predictor_args(p)
    add_output_args(p)


def _mode_list(text) -> list:
    """The modes of --modes as distinct integers ≥ 1, in the order given; ValueError naming --modes."""
    try:
        ks = [int(v) for v in str(text).split(",")]
    except ValueError:
        raise ValueError(f"--modes must be a comma-separated list of integers k >= 1, got {text!r}") from None
    if not ks or min(ks) < 1:
        raise ValueError(f"--modes must be a comma-separated list of integers k >= 1, got {text!r}")
    return list(dict.fromkeys(ks))


@command(
    "curve",
    help="learning curve: loss per sample, bias and variance against P",
    description="Training loss per sample ⟨L⟩/P = bias + variance against P at fixed ridge κ "
    "(r = P/κ, or 1/K with --ridge renormalized; cutoff Λ = P unless --cutoff is given, the "
    "modes of --spectrum FILE), and the expected test and training errors. Keys P, loss, "
    "bias, variance, test_error, train_error, method (JSON also params, version; CSV has "
    "test_error, train_error with --ridge renormalized, else both equal the bias plus the "
    "file's unlearnable residual). --modes K1,K2: also learnability_K, error_K per P (the per-mode "
    "learning curves L_k(P) and (1 − L_k)² y_k²).",
    example="rgflow curve --alpha 0.2 --beta 0.3 --kappa 3.981 --U 0.05 --P 100:1e5:20 --plot curve.pdf",
    arguments=arguments,
)
def run(ns):
    from ..curves import learning_curve, parse_P_values

    Ps = parse_P_values(ns.P_values)
    ks = _mode_list(ns.modes) if ns.modes is not None else []
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
        modes=bool(ks),
        **net,
        **predictor_options(ns),
    )
    if not ks:
        emit(ns, curve, plot="learning_curve")
        return
    data = curve.to_dict()
    data.pop("modes")  # every mode at every P: only the requested ones are written
    header, columns = curve.to_rows()
    n = min(len(a) for a in curve.modes["learnability"])
    for k in ks:
        if k > n:
            raise ValueError(f"--modes: mode {k} exceeds the {n} modes of the smallest curve point (Λ = P by default)")
        one = curve.mode_curve(k)
        data[f"learnability_{k}"] = columns[f"learnability_{k}"] = one["learnability"].tolist()
        data[f"error_{k}"] = columns[f"error_{k}"] = one["error"].tolist()
    emit(ns, curve, data=data, rows=(header, columns), plot="learning_curve")
