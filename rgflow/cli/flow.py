"""``rgflow flow``: the running couplings along τ = ln ℓ."""

from __future__ import annotations

from ..flow import SCHEMES
from ._common import add_model_args, add_output_args, command, emit, integer, model_from


def arguments(p):
    add_model_args(p)
    p.add_argument("--scheme", choices=SCHEMES, default="continuum", help="continuum (default), discrete or hybrid")
    p.add_argument("--points", type=integer, default=101, help="number of output points (default 101)")
    add_output_args(p)


@command(
    "flow",
    help="the running couplings along τ = ln ℓ",
    description="The RG trajectory of the model: at τ = ln(Λ/k_c) the running mass r and quartic u "
    "and the rescaled s, r̂ = rλ(k_c), Û = uλ(k_c)². Continuum: --points values of τ in "
    "[0, ln Λ]; discrete/hybrid: up to --points log-spaced modes k_c. Keys tau, k_c, r, u, "
    "s, r_hat, U_hat (JSON also scheme, end, params, version).",
    example="rgflow flow --alpha 0.2 --beta 0.3 --P 1000 --kappa 3.981 --U 0.05 --scheme discrete --format csv --out flow.csv --plot flow.svg",
    arguments=arguments,
)
def run(ns):
    import numpy as np

    from ..flow import flow

    if not 2 <= ns.points <= 10**6:
        raise ValueError(f"points must be an integer in [2, 1000000], got {ns.points}")
    model = model_from(ns)
    traj = flow(model, ns.scheme)
    if ns.scheme == "continuum":
        state = traj(np.linspace(0.0, traj.tau[-1], ns.points))
    else:
        ks = np.unique(np.round(np.geomspace(model.cutoff, 1, min(ns.points, model.cutoff))).astype(int))[::-1]
        state = traj.at_mode(ks)
    data = {
        key: np.asarray(state[key], dtype=float).tolist() for key in ("tau", "k_c", "r", "u", "s", "r_hat", "U_hat")
    }
    header, _ = traj.to_rows()
    # the trajectory's stamps (scheme, params, end, version), sampled at the requested points
    emit(ns, traj, data={**traj.to_dict(), **data}, rows=(header, data), plot="trajectory")
