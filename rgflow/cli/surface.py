"""``rgflow surface``: the loss surface on a (P, cutoff) grid and its scaling collapse."""

from __future__ import annotations

from ._common import (
    add_model_args,
    add_output_args,
    add_predictor_args,
    command,
    emit,
    predictor_options,
    spectrum_from,
)


def arguments(p):
    add_model_args(p, P="list", cutoff="list")
    add_predictor_args(p)
    p.add_argument(
        "--fit",
        action="store_true",
        help="also fit L = P^{c/a} W(Λ/P^{b/a}): exponents with standard errors, against theory",
    )
    add_output_args(p)


@command(
    "surface",
    help="loss surface on a (P, cutoff) grid and its scaling collapse",
    description="⟨L⟩/P, bias and variance on the grid of data size P and model size Λ (cutoff) at fixed κ. "
    "JSON: P, cutoff, loss, bias, variance ([i_P][i_cutoff]); CSV: one row per grid point. "
    "--fit adds per part the fitted exponents c/a, b/a with standard errors, the predicted "
    "(GP) ones and the collapse spreads; grids too small to determine the fit are refused.",
    example="rgflow surface --alpha 0.2 --beta 0.3 --kappa 3.981 --P 100:1e5:16 --cutoff 100:1e5:16 --fit "
    "--plot surface.png",
    arguments=arguments,
)
def run(ns):
    from ..surface import PARTS, fit_surface, loss_surface

    spectrum = spectrum_from(ns)  # first: with --A/--B it carries alpha and beta (ns.alpha, ns.beta become None)
    surf = loss_surface(
        ns.P_values,
        ns.cutoff_values,
        ns.alpha,
        ns.beta,
        ns.kappa,
        ns.U,
        ns.method,
        spectrum=spectrum,
        ridge=ns.ridge,
        **predictor_options(ns),
    )
    obj = surf.to_dict()
    header, rows = surf.to_rows()
    fit = None
    if ns.fit:
        fit = fit_surface(surf)
        obj["fit"] = fit.to_dict()
        for part in PARTS:
            f = fit.parts[part]
            for key in ("c/a", "b/a"):
                name = key.replace("/", "_")
                header[f"{part}_fitted_{name}"] = round(f["fitted"][key], 6)
                header[f"{part}_stderr_{name}"] = f"{f['stderr'][key]:.2g}"
                header[f"{part}_predicted_{name}"] = round(f["predicted"][key], 6)
            header[f"{part}_spread"] = f"{f['spread_fitted']:.3g}"
    emit(ns, (surf, fit), data=obj, rows=(header, rows), plot="surface")
