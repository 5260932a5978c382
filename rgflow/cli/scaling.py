"""``rgflow scaling``: scaling intervals of the couplings and measured effective exponents."""

from __future__ import annotations

from ._common import add_model_args, add_output_args, command, emit, model_from, real, require_power_law


def arguments(p):
    add_model_args(p)
    p.add_argument(
        "--r-hat-max",
        dest="r_hat_max",
        type=real,
        default=0.01,
        help="the massless window where exponents are compared with the bands: r̂ = rλ(k_c) <= this (default 0.01)",
    )
    add_output_args(p)


@command(
    "scaling",
    help="scaling intervals of the couplings and their effective exponents",
    description="Per coupling (r, U, s): the analytic scaling interval, which diagrams carry a density "
    "factor, the verdict (relevant/irrelevant/undetermined) and the effective exponents "
    "d ln g/dτ measured in the massless window r̂ <= --r-hat-max (measured, inside) and over "
    "all τ (measured_all). Fails (status 2) when the window is empty, saying what to change.",
    example="rgflow scaling --alpha 1 --beta 1.5 --P 2000 --kappa 80 --U 0.05 --plot scaling.png",
    arguments=arguments,
)
def run(ns):
    import math

    from ..scaling import scaling_interval

    from ..model import check_real

    require_power_law(ns, "scaling (the interval of the power law's exponents)")
    model = model_from(ns)
    check_real("r_hat_max", ns.r_hat_max, low=0.0, low_open=True)
    r_hat0 = float(model.r * model.eigenvalues()[-1])  # r̂ at τ = 0: r λ(k_c = Λ)
    if not r_hat0 <= ns.r_hat_max:
        wider = float(f"{2 * r_hat0:.2g}")
        raise ValueError(
            f"no massless window: r̂ = rλ(k_c) starts at {r_hat0:.3g} > --r-hat-max "
            f"{ns.r_hat_max:g} (the mass r = P/κ = {model.r:.4g} matters from τ = 0), so "
            f"no exponent can be compared with the bands; measure in a wider window (--r-hat-max "
            f"{wider:g} covers τ <= {math.log(wider / r_hat0) / (1 + ns.alpha):.2g}) or lower "
            f"r̂(0) = rλ_Λ (larger --kappa or --cutoff)"
        )
    res = scaling_interval(ns.alpha, ns.beta, ns.P, ns.kappa, ns.U, ns.cutoff, r_hat_max=ns.r_hat_max)
    emit(ns, res, plot="scaling")
