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
  the version, the method (or scheme) and the same input parameters under the same names, then the
  columns, named as the JSON keys. ``--plot FILE.png|pdf|svg`` also draws the result.
* Bad input: one line ``rgflow: error: …`` on stderr, exit status 2; numerical trouble (a flow outside
  the range of the expansion, an unconverged quadrature) the same kind of line, exit status 1.
"""
from __future__ import annotations

import importlib
import sys

from ._common import COMMANDS, Parser, UsageError, check_plot

__all__ = ["main", "run", "build_parser", "SUBCOMMANDS"]

SUBCOMMANDS = ("predict", "flow", "transfer", "curve", "scaling", "field", "surface", "dynamics", "sweep", "spectrum",
               "krr", "derive", "figures")


def build_parser():
    """The argparse parser of every registered subcommand (with description and example)."""
    import argparse

    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}")
    parser = Parser(prog="rgflow",
                    description="Wilsonian RG for kernel regression and wide networks, on power-law or measured spectra.",
                    epilog="Run `rgflow SUBCOMMAND --help` for the options and an example of each.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="SUBCOMMAND")
    for name in SUBCOMMANDS:
        cmd = COMMANDS[name]
        p = sub.add_parser(name, help=cmd.help, description=cmd.description,
                           epilog=f"example:\n  {cmd.example}", formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.arguments(p)
    return parser


def main(argv=None) -> int:
    """Run the command line on ``argv`` (default sys.argv[1:]); return the exit status.

    Bad input: one line ``rgflow: error: …`` and 2; numerical trouble: 1; an output that cannot be
    written (full device, closed pipe or stdout): 2; SIGINT and SIGTERM: one line and 130 / 143.
    """
    import pathlib
    import warnings

    from .._io import handle_signals, say
    from ..exact import ConvergenceError
    from ..flow import FlowError

    def one_line(message, category, filename, *args, **kw):   # warnings (e.g. pt1 outside its range) as one line
        if issubclass(category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)) \
                and "rgflow" not in pathlib.PurePath(filename).parts:
            return                          # a library's deprecation notice is not the user's business
        say(f"rgflow: warning: {message}")

    show = warnings.showwarning
    warnings.showwarning = one_line
    restore = None
    try:
        restore = handle_signals()   # SIGTERM like SIGINT: a message, no temporary left, 143 (130)
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
        check_plot(ns)
        return int(COMMANDS[ns.command].run(ns) or 0)
    except (UsageError, ValueError) as exc:
        say(f"rgflow: error: {exc}")
        return 2
    except (FlowError, ConvergenceError, FloatingPointError) as exc:
        say(f"rgflow: error: {exc}")
        return 1
    except OSError as exc:  # an output that cannot be written (missing folder, full device, closed pipe, ...)
        where = f": {exc.filename!r}" if getattr(exc, "filename", None) else ""
        say(f"rgflow: error: cannot write the output{where}: {exc.strerror or exc}")
        return 2
    except MemoryError:
        say("rgflow: error: out of memory: the cutoff (number of modes) is too large for this machine")
        return 1
    except KeyboardInterrupt as exc:   # SIGINT: 130, SIGTERM: 143 (rgflow._io.Interrupted)
        say(f"rgflow: error: {exc}" if getattr(exc, "signum", None) else "rgflow: error: interrupted")
        return getattr(exc, "exit_status", 130)
    finally:
        if restore is not None:
            restore()
        warnings.showwarning = show


def run():  # console-script entry point
    sys.exit(main())
