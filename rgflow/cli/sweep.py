"""``rgflow sweep``: one table of an observable over the cartesian product of parameter lists."""

from __future__ import annotations

from ._common import RIDGES, VALUES_FORMS, add_method_arg, add_output_args, command, integer, spectrum_from


CONNECT_TIMEOUT = 10.0  # seconds to reach the Dask scheduler of --scheduler


def _connect(address):
    """A Dask distributed Client on ``address``, connected within CONNECT_TIMEOUT seconds; ValueError
    (one line about the scheduler) if the address is empty, the port refuses or nothing answers."""
    address = str(address).strip()
    if not address:
        raise ValueError("--scheduler must be the address of a Dask scheduler (e.g. tcp://127.0.0.1:8786), got ''")
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs Dask distributed: pip install 'rgflow[dask]'") from None
    import threading

    result = {}

    def connect():  # in a daemon thread: a port that accepts and never answers must not hold the process
        try:
            result["client"] = Client(address, timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # noqa: BLE001  (refused, unreachable, silent, malformed: reported below)
            result["error"] = exc

    worker = threading.Thread(target=connect, name="rgflow-dask-connect", daemon=True)
    worker.start()
    worker.join(CONNECT_TIMEOUT + 2.0)
    if "client" in result:
        return result["client"]
    exc = result.get("error")
    reason = "no answer" if exc is None else (str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__)
    raise ValueError(f"--scheduler {address}: no Dask scheduler answered within {CONNECT_TIMEOUT:g} s ({reason})")


def arguments(p):
    from ..predict import ALL_METHODS as METHODS

    for name, help_ in (
        ("alpha", "spectrum exponents α > 0 (or --spectrum)"),
        ("beta", "target exponents β > -1 (or --spectrum)"),
    ):
        p.add_argument(f"--{name}", default=None, help=f"{help_}: {VALUES_FORMS}")
    p.add_argument(
        "--spectrum",
        default=None,
        metavar="FILE",
        help="a measured spectrum (.npz or .csv, as for predict) instead of --alpha/--beta",
    )
    for name, help_ in (("P", "training samples P (integers)"), ("kappa", "ridges κ > 0")):
        p.add_argument(f"--{name}", required=True, help=f"{help_}: {VALUES_FORMS}")
    p.add_argument("--U", default="0", help=f"quartic couplings U >= 0: {VALUES_FORMS} (default 0)")
    p.add_argument("--cutoff", default=None, help=f"cutoffs Λ: {VALUES_FORMS} (default Λ = P)")
    from ..model import PARAMETERIZATIONS

    p.add_argument("--width", default=None, help=f"widths N of a network (U must be 0): {VALUES_FORMS}")
    p.add_argument("--depth", type=integer, default=1, help="hidden layers L of the network (default 1)")
    p.add_argument(
        "--parameterization",
        choices=PARAMETERIZATIONS,
        default="standard",
        help="of the network: standard (default) or mean-field",
    )
    p.add_argument(
        "--ridge",
        choices=RIDGES,
        default="bare",
        help="bare: r = P/κ (default); renormalized: r = 1/K, the effective ridge (docs/theory.md §5)",
    )
    add_method_arg(p, METHODS)
    p.add_argument(
        "--observable",
        choices=("moments", "transfer", "scaling"),
        default="moments",
        help="moments: loss, bias, variance (default); transfer: couplings at --to-P; scaling: exponents",
    )
    p.add_argument("--to-P", dest="to_P", type=integer, default=None, help="P' of the transfer observable")
    p.add_argument("--workers", type=integer, default=1, help="local worker processes (default 1: serial)")
    p.add_argument(
        "--scheduler",
        default=None,
        help=f"address of a running Dask scheduler, e.g. tcp://host:8786 (needs rgflow[dask]; "
        f"{CONNECT_TIMEOUT:g} s to connect)",
    )
    p.add_argument("--resume", action="store_true", help="finish the partial table in --out")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_output_args(p, plot=False)


@command(
    "sweep",
    help="one table of an observable over the product of parameter lists",
    description="Evaluate one method and observable (moments: loss, bias, variance; transfer; scaling) "
    "over the cartesian product of the parameter lists, serially, on a process pool "
    "(--workers N, the same rows bit for bit) or on a Dask cluster (--scheduler ADDRESS). "
    "JSON: a list of rows, each with alpha, beta, P, kappa, U, cutoff, method and the "
    "observable's columns. --out is rewritten after every row, so Ctrl-C leaves what is "
    "done and --resume finishes it.",
    example="rgflow sweep --alpha 0.2 --beta 0.3 --P 100,200 --kappa 1,4 --U 0,0.05 --method rg --workers 2 --format json",
    arguments=arguments,
)
def run(ns):
    import os

    import time

    from .._io import atomic_write, say, write_output
    from ..sweep import from_text, sweep, to_text

    spectrum = spectrum_from(ns)  # the measured spectrum, or None (then --alpha and --beta are required)
    from ._common import refuse_unused

    refuse_unused(ns, ns.observable == "transfer", to_P="--observable transfer")
    options = {}
    if ns.observable == "transfer":
        if ns.to_P is None:
            raise ValueError("--observable transfer needs --to-P")
        options["P_new"] = ns.to_P
    done = []
    if ns.resume:
        if not ns.out:
            raise ValueError("--resume needs --out FILE (the partial table to finish)")
        if os.path.lexists(ns.out):
            from .._io import read_text_input
            from ..sweep import check_row

            try:
                done = from_text(read_text_input(ns.out, "--out"), ns.format)
                for i, row in enumerate(done):
                    check_row(row, ns.observable, where=f"row {i + 1}")
            except ValueError as exc:
                raise ValueError(
                    f"--resume: {ns.out} is not a table this sweep can finish: {exc} "
                    "(remove the file or run without --resume)"
                ) from None
    state = {"last": 0.0, "rows": done}

    def on_row(rows, total):
        state["rows"] = rows
        now = time.monotonic()
        if ns.out:
            atomic_write(ns.out, to_text(rows, ns.format))
        if not ns.quiet and (now - state["last"] >= 0.5 or len(rows) == total):
            state["last"] = now
            say(f"rgflow: sweep {len(rows)}/{total} done")

    client = None if ns.scheduler is None else _connect(ns.scheduler)
    try:
        rows = sweep(
            alpha=ns.alpha,
            beta=ns.beta,
            P=ns.P,
            kappa=ns.kappa,
            U=ns.U,
            cutoff=ns.cutoff,
            method=ns.method,
            observable=ns.observable,
            options=options,
            workers=ns.workers,
            client=client,
            done=done,
            on_row=on_row,
            ridge=ns.ridge,
            spectrum=spectrum,
            width=ns.width,
            depth=ns.depth,
            parameterization=ns.parameterization,
        )
    except KeyboardInterrupt:
        if ns.out:
            atomic_write(ns.out, to_text(state["rows"], ns.format))
            say(f"rgflow: sweep interrupted: {len(state['rows'])} rows in {ns.out}; finish with --resume")
        raise
    finally:
        if client is not None:
            client.close()
    write_output(ns.out, to_text(rows, ns.format))
