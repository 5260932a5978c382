"""What every subcommand shares: the registry, the model arguments, value lists, the output.

A subcommand is a module of :mod:`rgflow.cli` with an ``arguments(parser)`` function and a
``run(ns)`` function registered by :func:`command`; :func:`rgflow.cli.build_parser` builds the parser
from the registry :data:`COMMANDS` and :func:`rgflow.cli.main` dispatches through it.
"""

from __future__ import annotations

import argparse
import pathlib
from dataclasses import dataclass
from typing import Callable

from ..model import RIDGES

DEFAULT_METHOD = "rg"  # the --method default of every predictor subcommand
PLOT_EXTS = (".png", ".pdf", ".svg")
VALUES_FORMS = "a comma-separated list (100,200,400) or a log-spaced range START:STOP:NUM (100:1e5:20)"


class UsageError(Exception):
    """Bad command line (argparse's errors): one line ``rgflow: error: …``, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one-line help, description and example (shown by ``--help``),
    the function that declares its arguments and the function that runs it."""

    name: str
    help: str
    description: str
    example: str
    arguments: Callable
    run: Callable


COMMANDS: dict = {}


def command(name, *, help, description, example, arguments=lambda parser: None):
    """Register ``run(ns)`` as the subcommand ``name`` (decorator)."""

    def register(run):
        COMMANDS[name] = Command(name, help, description, example, arguments, run)
        return run

    return register


def real(text):
    """argparse type: a finite decimal number (:func:`rgflow._values.parse_number`: no inf, nan,
    ``1_000`` or value beyond the float range)."""
    from .._values import parse_number

    try:
        return parse_number(text, "the value")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("the value must be", "expected")) from None


def integer(text):
    """argparse type: an integer, also written as an integral decimal (1e3), parsed exactly (never
    rounded through float: ``100000000000000000000000001`` stays that integer); no ``1_000``, inf or nan."""
    from decimal import Decimal, InvalidOperation

    from .._values import NUMBER

    if not NUMBER.fullmatch(str(text).strip()):
        raise argparse.ArgumentTypeError(f"expected an integer, got {str(text)[:40]!r}")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
    if value.adjusted() > 30:  # far beyond every allowed range (P <= 2**53); not expanded into digits
        raise argparse.ArgumentTypeError(f"expected an integer below 1e30, got {str(text)[:40]!r}")
    return int(value)


# --- the model arguments: declared once, read once ---------------------------------------------


def add_model_args(
    p, *, P="one", cutoff="one", kappa=True, U=True, beta_required=True, cutoff_default=None, spectrum=True
):
    """Declare the model's parameters alpha, beta, P, kappa, U, cutoff (docs/theory.md §1 names), the power
    law's amplitudes ``--A``, ``--B``, the measured spectrum ``--spectrum FILE`` (instead of --alpha/--beta;
    ``spectrum=False``: not taken) and, with ``kappa``, the ridge ``--ridge bare|renormalized`` (default bare
    for the power law, renormalized for --spectrum; docs/theory.md §5) and the label noise ``--noise``.

    ``P`` / ``cutoff``: ``"one"`` (one integer, ``ns.P`` / ``ns.cutoff``), ``"list"`` (values or a
    range, ``ns.P_values`` / ``ns.cutoff_values``) or None (not taken). :func:`model_from` reads them
    all (:func:`spectrum_from` the file), so every subcommand gets them at once.
    """
    need = (
        "" if spectrum else None
    )  # --alpha/--beta required unless --spectrum FILE is given (checked in spectrum_from)
    p.add_argument(
        "--alpha",
        type=real,
        required=need is None,
        help="spectrum exponent, λ_k = k^-(1+α), α > 0" + ("" if need is None else " (or --spectrum)"),
    )
    if beta_required:
        p.add_argument(
            "--beta",
            type=real,
            required=need is None,
            help="target exponent, y_k² = k^-(1+β), β > -1" + ("" if need is None else " (or --spectrum)"),
        )
    else:
        p.add_argument("--beta", type=real, default=None, help="target exponent β > -1 (default 1 + α, where s ≡ 1)")
    if spectrum:
        p.add_argument(
            "--A",
            dest="A",
            type=real,
            default=None,
            help="amplitude of the power law's spectrum, λ_k = A k^-(1+α), A > 0 (default 1)",
        )
        p.add_argument(
            "--B",
            dest="B",
            type=real,
            default=None,
            help="amplitude of the power law's target, y_k² = B k^-(1+β), B > 0 (default 1)",
        )
        p.add_argument(
            "--spectrum",
            default=None,
            metavar="FILE",
            help="a measured spectrum instead of the power law: .npz with arrays eigenvalues and "
            "target, or .csv with columns eigenvalue,target (cutoff default: its number of modes)",
        )
    p.set_defaults(_beta_required=beta_required)
    if P == "one":
        p.add_argument("--P", type=integer, required=True, help="training samples P >= 1")
    elif P == "list":
        p.add_argument("--P", dest="P_values", required=True, help=f"training samples P: {VALUES_FORMS}")
    if kappa:
        p.add_argument("--kappa", type=real, required=True, help="ridge κ > 0 (mass r = P/κ)")
        p.add_argument(
            "--ridge",
            choices=RIDGES,
            default=None,
            help="bare: the mass r = P/κ (the paper's; default for the power law); renormalized: r = 1/K with "
            "the effective ridge K = κ/P + (K/P) Σ_k λ_k/(λ_k + K) (real KRR, docs/theory.md §5; default "
            "for --spectrum)",
        )
        add_noise_arg(p)
    if U:
        p.add_argument("--U", type=real, default=0.0, help="quartic coupling U >= 0 (u = U·P); default 0")
        add_network_args(p)
    if cutoff == "one":
        p.add_argument(
            "--cutoff",
            type=integer,
            default=cutoff_default,
            help=f"number of modes Λ (default {cutoff_default if cutoff_default else 'P, or the modes of --spectrum'})",
        )
    elif cutoff == "list":
        p.add_argument("--cutoff", dest="cutoff_values", required=True, help=f"cutoffs Λ (model size): {VALUES_FORMS}")


def add_noise_arg(p):
    """--noise σ² >= 0: Gaussian label noise of that variance on the training labels (default 0)."""
    p.add_argument(
        "--noise",
        type=real,
        default=0.0,
        help="variance σ² >= 0 of Gaussian noise on the training labels (default 0): the test error, against "
        "the clean target, gains σ²γ/(1 − γ), the training error (κ/(PK))²σ²/(1 − γ) (docs/theory.md §5)",
    )


def add_network_args(p):
    """--width, --depth, --parameterization: a finite-width network instead of the quartic (docs/networks.md)."""
    from ..model import PARAMETERIZATIONS

    p.add_argument(
        "--width",
        type=integer,
        default=None,
        help="width N >= 1 of a network (L linear hidden layers on the kernel's features); its finite "
        "width is the coupling (U must be 0); default: no network",
    )
    p.add_argument("--depth", type=integer, default=None, help="hidden layers L >= 1 of the network (default 1)")
    p.add_argument(
        "--parameterization",
        choices=PARAMETERIZATIONS,
        default=None,
        help="standard (g = 1, T = κ; the default) or mean-field (g = 1/N, T = κ/N)",
    )


def network_from(ns) -> dict:
    """width, depth and parameterization of the flags (only those given; the Model checks them)."""
    out = {"width": getattr(ns, "width", None)}
    for key in ("depth", "parameterization"):
        if getattr(ns, key, None) is not None:
            out[key] = getattr(ns, key)
    return out


def spectrum_from(ns):
    """The :class:`rgflow.spectrum.Measured` of ``--spectrum FILE`` (read once, kept on ``ns``), the
    :class:`rgflow.spectrum.PowerLaw` of --alpha/--beta with --A/--B (then ``ns.alpha`` and ``ns.beta``
    are set to None: the spectrum carries them), or None for the power law with A = B = 1. ValueError if
    both --spectrum and --alpha/--beta are given, or neither. Sets the default ``ns.ridge``: bare for the
    power law, renormalized for --spectrum."""
    path = getattr(ns, "spectrum", None)
    if getattr(ns, "ridge", "bare") is None:  # the default ridge: the paper's for the power law, KRR's for data
        ns.ridge = "bare" if path is None else "renormalized"
    if getattr(ns, "_power_law", None) is not None:
        return ns._power_law
    if path is None:
        missing = [
            f"--{k}"
            for k in ("alpha", "beta")
            if getattr(ns, k, None) is None and (k == "alpha" or getattr(ns, "_beta_required", True))
        ]
        if missing:
            raise ValueError(f"the following arguments are required: {', '.join(missing)} (or --spectrum FILE)")
        A, B = getattr(ns, "A", None), getattr(ns, "B", None)
        if A is None and B is None:
            return None
        from ..spectrum import PowerLaw

        beta = ns.beta if ns.beta is not None else 1.0 + ns.alpha  # the field subcommand's default
        ns._power_law = PowerLaw(ns.alpha, beta, 1.0 if A is None else A, 1.0 if B is None else B)
        ns.alpha = ns.beta = None
        return ns._power_law
    given = [f"--{k}" for k in ("alpha", "beta", "A", "B") if getattr(ns, k, None) is not None]
    if given:
        raise ValueError(f"give either --spectrum or --alpha/--beta, not both (got --spectrum and {', '.join(given)})")
    cached = getattr(ns, "_measured", None)
    if cached is None:
        from ..data import load_spectrum
        from ..spectrum import Measured

        cached = Measured.from_data(load_spectrum(path))  # meta dropped_power: the unlearnable floor
        ns._measured = cached
    return cached


def model_from(ns, **changes):
    """The :class:`rgflow.Model` of the parsed model arguments (``changes`` replace some of them):
    the power law of --alpha/--beta (with --A/--B) or the measured --spectrum, with --ridge and --noise."""
    from ..model import Model

    spectrum = spectrum_from(ns)
    args = {
        "alpha": ns.alpha,
        "beta": ns.beta,
        "P": getattr(ns, "P", None),
        "kappa": ns.kappa,
        "U": ns.U,
        "cutoff": getattr(ns, "cutoff", None),
        "spectrum": spectrum,
        "ridge": getattr(ns, "ridge", None),
        "noise": getattr(ns, "noise", 0.0),
        **network_from(ns),
        **changes,
    }
    return Model.build(**args)


def require_power_law(ns, what) -> None:
    """ValueError if ``--spectrum``, ``--A``/``--B`` or ``--ridge renormalized`` is given to a subcommand that
    needs the closed forms of the power law k^-(1+α), k^-(1+β) with the bare mass (``what`` names it)."""
    if getattr(ns, "spectrum", None) is not None:
        raise ValueError(f"{what} needs the power law's exponents (--alpha, --beta); --spectrum is not supported")
    given = [f"--{k}" for k in ("A", "B") if getattr(ns, k, None) is not None]
    if given:
        raise ValueError(f"{what} is defined for the power law with A = B = 1; {', '.join(given)} is not supported")
    if getattr(ns, "ridge", None) not in (None, "bare"):  # None: the default, bare for the power law
        raise ValueError(f"{what} is defined with the bare mass r = P/κ; --ridge {ns.ridge} is not supported")


def add_method_arg(p, choices, default=DEFAULT_METHOD, help="predictor"):
    p.add_argument("--method", choices=tuple(choices), default=default, help=f"{help} (default {default})")


def add_seed_arg(p, what="the langevin method"):
    p.add_argument("--seed", type=integer, default=None, help=f"seed of {what} (default 0; an integer >= 0)")


def refuse_unused(ns, used, **flags) -> None:
    """ValueError if a flag was given that this run does not use (``used`` False): ``flags`` maps
    the option (``seed``) to the condition under which it applies ("--method langevin"); a flag left at
    its default (None) is fine."""
    if used:
        return
    for key, when in flags.items():
        if getattr(ns, key, None) is not None:
            raise ValueError(f"--{key.replace('_', '-')} applies only with {when}; it is not used here")


def add_predictor_args(p):
    """--method (one of rgflow.METHODS, default rg) and --seed (of langevin): predict, curve, surface."""
    from ..predict import ALL_METHODS

    add_method_arg(p, ALL_METHODS)
    add_seed_arg(p, "the langevin and sample methods")


def predictor_options(ns, **extra) -> dict:
    """The options of :func:`rgflow.predict.predict` that the flags give (the seed, for langevin and sample);
    ValueError if --seed is given to another method (it would be ignored)."""
    seeded = ns.method in ("langevin", "sample")
    refuse_unused(ns, seeded, seed="--method langevin or sample")
    if not seeded:
        return {}
    seed = 0 if ns.seed is None else ns.seed
    return {"seed": seed, **extra}


# --- the output: one function for every subcommand ---------------------------------------------


def add_summary_arg(p):
    """--summary: only the scalars of the result (no per-mode or per-point arrays)."""
    p.add_argument(
        "--summary", action="store_true", help="only the scalars (loss, bias, ... and the parameters), not the arrays"
    )


def resolve_format(ns) -> None:
    """Set ``ns.format`` to its default when not given, and ``ns.format_given`` (was --format given?)."""
    ns.format_given = getattr(ns, "format", None) is not None
    if not ns.format_given and hasattr(ns, "_format_default"):
        ns.format = ns._format_default


def scalars(data, prefix="") -> dict:
    """The scalar entries of a JSON-ready dict (numbers, strings, booleans, null), nested dicts
    flattened with dotted keys (``params.alpha``); lists (the arrays) left out."""
    out = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(scalars(value, f"{name}."))
        elif not isinstance(value, (list, tuple)):
            out[name] = value
    return out


def add_output_args(p, *, plot=True, format_default="json", format_help=None, out_help=None, formats=("json", "csv")):
    """--format json|csv (or ``formats``), --out FILE (default stdout) and, for subcommands that draw, --plot FILE."""
    p.add_argument(
        "--format", choices=formats, default=None, help=format_help or f"output format (default {format_default})"
    )
    p.set_defaults(_format_default=format_default)
    p.add_argument("--out", default=None, help=out_help or "write to this file (atomically) instead of stdout")
    if plot:
        p.add_argument(
            "--plot",
            default=None,
            metavar="FILE",
            help="draw the result into FILE (.png, .pdf or .svg); alone (no --out, no --format) "
            "it writes only the plot",
        )


PATH_FLAGS = ("out", "plot", "spectrum", "gram", "target", "features", "labels")


def check_paths(ns) -> None:
    """ValueError if a file flag (``--out``, ``--plot``, ``--spectrum``, ...) is given an empty name
    (``--out ''`` would otherwise name a temporary in the parent folder)."""
    for key in PATH_FLAGS:
        value = getattr(ns, key, None)
        if value is not None and not str(value).strip():
            raise ValueError(f"--{key} must name a file, got {value!r}")


def check_plot(ns) -> None:
    """ValueError unless ``--plot`` (when given) names a .png, .pdf or .svg file: checked before any work."""
    path = getattr(ns, "plot", None)
    if path is not None and pathlib.Path(path).suffix.lower() not in PLOT_EXTS:
        raise ValueError(f"--plot must end in {', '.join(PLOT_EXTS)}, got {path!r}")


def write(ns, text) -> None:
    """``text`` to ``ns.out`` (atomically; ``-`` or None: stdout; devices and FIFOs written through)."""
    from .._io import write_output

    write_output(ns.out, text)


def emit(ns, result, *, data=None, rows=None, plot=None, text=None) -> None:
    """Write ``result`` as JSON (``data``, default ``result.to_dict()``), CSV (``rows`` = (header,
    columns), default ``result.to_rows()``) or, for ``--format text``, the string ``text``; with
    ``--plot``, draw it with ``rgflow.plotting.quick.<plot>(result, path)``.

    ``--plot`` alone (no ``--out``, no ``--format``, no ``--summary``) writes only the plot. ``--summary``
    writes only the scalars (JSON: one object; CSV: the ``#`` lines and one row). The CSV carries every
    scalar of the JSON as ``# key=value`` comment lines after the header line."""
    from .._io import to_csv, to_json

    plot_only = (
        plot is not None
        and getattr(ns, "plot", None)
        and not ns.out
        and not getattr(ns, "format_given", True)
        and not getattr(ns, "summary", False)
    )
    if ns.format == "text":
        write(ns, text)
    elif plot_only:
        pass
    else:
        full = result.to_dict() if data is None else data
        if getattr(ns, "summary", False):
            flat = scalars(full)
            if ns.format == "json":
                write(ns, to_json({k: v for k, v in full.items() if not isinstance(v, (list, tuple))}))
            else:
                header = dict(result.to_rows()[0]) if rows is None else dict(rows[0])
                write(ns, to_csv(header, {k: [v] for k, v in flat.items() if k not in header}))
        elif ns.format == "json":
            write(ns, to_json(full))
        else:
            header, columns = result.to_rows() if rows is None else rows
            extra = {
                k: v
                for k, v in scalars(full).items()
                if k not in header and k.split(".")[-1] not in header and k not in columns
            }
            write(ns, to_csv(header, columns, extra))
    if plot is not None and getattr(ns, "plot", None):
        from ..plotting import quick

        getattr(quick, plot)(result, ns.plot)
