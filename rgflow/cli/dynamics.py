"""``rgflow dynamics``: learning dynamics in time by spectral shells."""

from __future__ import annotations

from ._common import (
    add_method_arg,
    add_model_args,
    add_output_args,
    add_seed_arg,
    command,
    emit,
    integer,
    model_from,
    real,
)


def arguments(p):
    add_model_args(p)
    add_method_arg(
        p,
        ("gradient", "langevin", "mean-field"),
        default="gradient",
        help="dynamics: gradient flow, langevin (temperature 1, sampler at U > 0) or mean-field",
    )
    p.add_argument("--t-min", dest="t_min", type=real, default=None, help="first time > 0 (default 0.01/(Λ^(1+α) + r))")
    p.add_argument("--t-max", dest="t_max", type=real, default=None, help="last time (default 30/(1 + r))")
    p.add_argument("--points", type=integer, default=121, help="log-spaced output times (default 121)")
    p.add_argument("--shells", type=integer, default=1, help="shells per octave of k (default 1)")
    p.add_argument(
        "--chains", type=integer, default=None, help="chains of the langevin sampler (default 32, at most 10000)"
    )
    add_seed_arg(p, "the langevin sampler")
    add_output_args(p)


@command(
    "dynamics",
    help="learning dynamics in time: loss L(t), shell energies, front velocity",
    description="dΔ_k/dt = −∂S/∂Δ_k from Δ(0) = y (or with noise at temperature 1): the loss L(t), the "
    "error energy of shells of modes (octaves of k), the learning fronts and their velocity "
    "v = d ln λ*/d ln t with the fit v − 1 = A λ^a t^b. Keys t, loss, mu, shells, energy, "
    "front, velocity, fit.",
    example="rgflow dynamics --alpha 0.2 --beta 0.3 --P 1000 --kappa 3.981 --U 0.05 --shells 4 --plot dynamics.png",
    arguments=arguments,
)
def run(ns):
    from ..dynamics import default_times, dynamics

    from ._common import refuse_unused

    refuse_unused(ns, ns.method == "langevin", seed="--method langevin", chains="--method langevin")
    model = model_from(ns)
    times = default_times(model, ns.points, ns.t_min, ns.t_max)
    res = dynamics(
        model,
        times,
        method=ns.method,
        shells=ns.shells,
        seed=0 if ns.seed is None else ns.seed,
        chains=32 if ns.chains is None else ns.chains,
    )
    emit(ns, res, plot="dynamics")
