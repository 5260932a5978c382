"""The command line ``rgflow SUBCOMMAND …`` (console script ``rgflow = rgflow.cli:run``, also
``python -m rgflow``).

One module per subcommand (:data:`SUBCOMMANDS`, in the order of ``rgflow --help``), registered in
one registry (:data:`rgflow.cli._common.COMMANDS`); the model arguments are declared once
(:func:`rgflow.cli._common.add_model_args`), every result is written by one function
(:func:`rgflow.cli._common.emit`). To add a subcommand, add a module with ``arguments(parser)`` and a
``run(ns)`` decorated by ``@command(...)``, and its name to :data:`SUBCOMMANDS`.

Conventions (every subcommand)
------------------------------
* Model parameters: ``--alpha --beta --P --kappa --U --cutoff`` with the meanings of the Model.
* Several values (``--P`` of curve and surface, ``--cutoff`` of surface, ``--tau`` of field): a
  comma-separated list ``100,200,400`` or a range ``START:STOP:NUM``, evenly spaced in the logarithm
  of a scale (P, Λ) and linearly in τ (which is already ln ℓ).
* ``--method`` of the predictors (predict, curve, surface) defaults to ``rg`` (at U = 0 it is ``gp``
  exactly); ``dynamics --method`` chooses the dynamics (default ``gradient``).
* Output: ``--format json|csv`` (default json) to stdout or ``--out FILE`` (atomically); JSON carries
  ``params`` (the input parameters) and ``version``; CSV starts with one ``# key=value`` line holding
  the version, the method (or scheme), the same input parameters under the same names and every
  other scalar of the JSON (loss, bias, ..., nested keys dotted: ``info.mu``; integers as integers,
  null left out), then the columns, named as the JSON keys. ``--plot FILE.png|pdf|svg`` draws the
  result; alone (no ``--out``, no ``--format``) it writes only the plot. ``--summary`` (predict,
  field): only the scalars.
* Bad input: one line ``rgflow: error: …`` on stderr, exit status 2; numerical trouble (a flow outside
  the range of the expansion, an unconverged quadrature) the same kind of line, exit status 1.
"""

from __future__ import annotations

import importlib
import sys

from ._common import COMMANDS, Parser, UsageError, check_paths, check_plot, resolve_format

__all__ = ["main", "run", "build_parser", "SUBCOMMANDS"]

SUBCOMMANDS = (
    "predict",
    "flow",
    "transfer",
    "curve",
    "scaling",
    "field",
    "surface",
    "dynamics",
    "sweep",
    "spectrum",
    "krr",
    "ridge",
    "fit",
    "derive",
    "figures",
)


def build_parser():
    """The argparse parser of every registered subcommand (with description and example)."""
    import argparse

    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}")
    parser = Parser(
        prog="rgflow",
        description="Wilsonian RG for kernel regression and wide networks, on power-law or measured spectra.",
        epilog="Run `rgflow SUBCOMMAND --help` for the options and an example of each.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="SUBCOMMAND")
    for name in SUBCOMMANDS:
        cmd = COMMANDS[name]
        p = sub.add_parser(
            name,
            help=cmd.help,
            description=cmd.description,
            epilog=f"example:\n  {cmd.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        cmd.arguments(p)
    return parser


def main(argv=None) -> int:
    """Run the command line on ``argv`` (default sys.argv[1:]); return the exit status.

    Bad input: one line ``rgflow: error: …`` and 2; numerical trouble: 1; an output that cannot be
    written (full device, closed pipe or stdout): 2; SIGINT and SIGTERM: one line and 130 / 143 (also
    while the modules are still being imported); a missing optional dependency: one line naming what
    to install, 1; anything else (a bug): one line asking for a report, 1 (``RGFLOW_DEBUG=1`` shows the
    traceback).
    """
    import warnings

    from .._io import handle_signals, say

    show = warnings.showwarning
    restore = None
    try:
        restore = handle_signals()  # first: SIGINT/SIGTERM while numpy and scipy load is one line too
        warnings.showwarning = _one_line_warning
        return _dispatch(argv)
    except KeyboardInterrupt as exc:  # SIGINT: 130, SIGTERM: 143 (rgflow._io.Interrupted)
        say(f"rgflow: error: {exc}" if getattr(exc, "signum", None) else "rgflow: error: interrupted")
        return getattr(exc, "exit_status", 130)
    except Exception as exc:  # noqa: BLE001  (every exception ends in one line, never a traceback)
        message, status = _explain(exc)
        say(f"rgflow: error: {message}")
        return status
    finally:
        if restore is not None:
            restore()
        warnings.showwarning = show


def _one_line_warning(message, category, filename, *args, **kw):  # warnings (pt1 outside its range) as one line
    import pathlib

    from .._io import say

    if (
        issubclass(category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning))
        and "rgflow" not in pathlib.PurePath(filename).parts
    ):
        return  # a library's deprecation notice is not the user's business
    say(f"rgflow: warning: {message}")


def _dispatch(argv) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.version:
        from .._io import write_output
        from .._version import __version__

        write_output(None, __version__ + "\n")
        return 0
    if ns.command is None:
        parser.print_help()
        return 0
    check_paths(ns)
    check_plot(ns)
    resolve_format(ns)
    return int(COMMANDS[ns.command].run(ns) or 0)


def _explain(exc) -> tuple:
    """(one-line message, exit status) of an exception that ended a subcommand."""
    import os

    from ..exact import ConvergenceError
    from ..flow import FlowError

    if isinstance(exc, (UsageError, ValueError)):
        return str(exc), 2
    if isinstance(exc, (FlowError, ConvergenceError, FloatingPointError, OverflowError)):
        return str(exc), 1
    if isinstance(exc, OSError):  # reading errors are ValueErrors of the readers: this is the output
        where = f": {exc.filename!r}" if getattr(exc, "filename", None) else ""
        return f"cannot write the output{where}: {exc.strerror or exc}", 2
    if isinstance(exc, MemoryError):
        return (
            "out of memory: the computation asked is too large for this machine (lower the cutoff, the grid or the sizes)",
            1,
        )
    if isinstance(exc, ImportError):
        return str(exc) if "pip install" in str(exc) else f"a module is missing: {exc}", 1
    if os.environ.get("RGFLOW_DEBUG"):
        raise exc
    return (
        f"internal error ({type(exc).__name__}: {str(exc)[:200]}); please report it with the command line "
        "(RGFLOW_DEBUG=1 shows the traceback)"
    ), 1


def run():  # console-script entry point
    sys.exit(main())
