"""``rgflow predict``: ⟨Δ_k⟩ and Var Δ_k of every mode, and the loss, by one method."""

from __future__ import annotations

from ._common import (
    add_summary_arg,
    add_model_args,
    add_output_args,
    add_predictor_args,
    command,
    emit,
    model_from,
    predictor_options,
)


def arguments(p):
    add_model_args(p)
    add_predictor_args(p)
    add_summary_arg(p)
    add_output_args(p)


@command(
    "predict",
    help="⟨Δ_k⟩ and Var Δ_k of every mode by one method",
    description="Mean ⟨Δ_k⟩ and variance Var Δ_k of the discrepancy of every mode k = 1..Λ, and the "
    "training loss per sample ⟨L⟩/P = bias + variance = Σ_k ⟨Δ_k⟩² + Σ_k Var Δ_k, by one "
    "predictor. JSON: method, k, mean, var, loss, bias, variance, info (+ mean_stderr, "
    "var_stderr for langevin), params, version; CSV: columns k, mean, var.",
    example="rgflow predict --alpha 0.2 --beta 0.3 --P 1000 --kappa 3.981 --U 0.05 --method rg --plot pred.png",
    arguments=arguments,
)
def run(ns):
    from ..predict import predict

    emit(ns, predict(model_from(ns), ns.method, **predictor_options(ns, progress=True)), plot="prediction")
