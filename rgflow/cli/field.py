"""``rgflow field``: the (U, r) flow field at chosen RG times, as data or as a figure."""

from __future__ import annotations

from ._common import add_summary_arg, PLOT_EXTS, add_model_args, add_output_args, command, emit, integer

DATA_EXTS = (".json", ".csv")


def arguments(p):
    add_model_args(p, P=None, kappa=False, U=False, beta_required=False, cutoff_default=1000, spectrum=False)
    p.add_argument(
        "--tau",
        default="0,1,2",
        help="RG times: comma-separated (0,1,2) or a linearly spaced range START:STOP:NUM (default 0,1,2)",
    )
    p.add_argument("--raw", action="store_true", help="the couplings (U = u/P, r) instead of the rescaled (Û, r̂)")
    p.add_argument("--n", type=integer, default=200, help="grid points per axis (default 200)")
    p.add_argument(
        "--U-range",
        dest="U_range",
        default=None,
        help="LOW,HIGH of the U axis (default: per τ, around the U-nullcline)",
    )
    p.add_argument(
        "--r-range",
        dest="r_range",
        default=None,
        help="LOW,HIGH of the r axis (default: r̂ in [-0.9, 1]); write --r-range=-0.5,1 when LOW < 0",
    )
    add_summary_arg(p)
    add_output_args(
        p,
        format_default=None,
        format_help="data format (default: the extension of --out, else json)",
        out_help="write to this file instead of stdout: .json or .csv (data), .png .pdf .svg (figure)",
    )


@command(
    "field",
    help="the (U, r) flow field at chosen RG times, as data or as a figure",
    description="The one-loop flow field in the rescaled plane (Û, r̂) (or the couplings (U, r) with --raw) "
    "on an n × n grid at each τ, with its nullclines. Data keys: tau, k_c, s, the coordinates "
    "named by the view (U_hat, r_hat, dU_hat, dr_hat; raw: U, r, dU, dr), magnitude "
    "(0 where the flow stops); JSON also nullclines and the view-independent U, r, dU, dr.",
    example="rgflow field --alpha 0.2 --tau 0:6:4 --n 100 --plot field.png --format csv --out field.csv",
    arguments=arguments,
)
def run(ns):
    import pathlib

    from ..field import flow_field, parse_tau

    ext = pathlib.Path(ns.out).suffix.lower() if ns.out else None
    if ns.out and ext not in PLOT_EXTS + DATA_EXTS:
        raise ValueError(f"--out must end in one of {', '.join(PLOT_EXTS + DATA_EXTS)}, got {ns.out!r}")
    if ext in DATA_EXTS and ns.format not in (None, ext[1:]):
        raise ValueError(f"--format {ns.format} contradicts --out {ns.out!r}")
    taus = parse_tau(ns.tau)
    U_range = _pair("--U-range", ns.U_range)
    r_range = _pair("--r-range", ns.r_range)
    ff = flow_field(ns.alpha, ns.beta, ns.cutoff, taus, U_range, r_range, n=ns.n, rescaled=not ns.raw)
    if ext in PLOT_EXTS:  # --out FILE.png: the figure is the output
        from ..plotting import quick

        quick.flow_field(ff, ns.out)
        if ns.plot:
            quick.flow_field(ff, ns.plot)
        return 0
    ns.format = ext[1:] if ext else (ns.format or "json")
    emit(ns, ff, plot="flow_field")
    return 0


def _pair(flag, text):
    """'LOW,HIGH' -> (low, high) (flow_field checks the range), None -> None."""
    if text is None:
        return None
    from .._values import parse_number

    parts = str(text).split(",")
    if len(parts) != 2:
        raise ValueError(f"{flag} must be LOW,HIGH (two numbers), got {text!r}")
    return tuple(parse_number(v, flag) for v in parts)
