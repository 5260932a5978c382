"""``rgflow transfer``: the (κ, U) at another P on the same RG trajectory."""

from __future__ import annotations

from ._common import add_model_args, add_output_args, command, emit, integer, model_from


def arguments(p):
    from ..flow import SCHEMES

    add_model_args(p)
    p.add_argument("--to-P", dest="to_P", type=integer, required=True, help="the new number of samples P' >= 1")
    p.add_argument("--scheme", choices=SCHEMES, default="discrete", help="flow scheme (default discrete)")
    add_output_args(p)


@command(
    "transfer",
    help="hyperparameters (kappa, U) that keep the RG trajectory at another P",
    description="Hyperparameter transfer: the ridge κ̃ and coupling Ũ at P' samples (cutoff P') whose "
    "model lies on the RG trajectory of the given one (P' < P: its flow read at mode P'; "
    "P' > P: the couplings whose flow lands on it). JSON: P, kappa, U, r, u of the new "
    "model; params: the given one. CSV: the same columns, the given model in the header.",
    example="rgflow transfer --alpha 0.2 --beta 0.3 --P 1000 --kappa 3.981 --U 0.05 --to-P 500 --plot transfer.png",
    arguments=arguments,
)
def run(ns):
    from ..model import check_int
    from ..transfer import transfer

    P_new = check_int("to-P", ns.to_P)
    # a transfer needs Λ = P: with --spectrum the cutoff defaults to P (not to the file's number of modes)
    changes = {"cutoff": ns.P} if ns.spectrum is not None and ns.cutoff is None else {}
    emit(ns, transfer(model_from(ns, **changes), P_new, scheme=ns.scheme), plot="transfer")
