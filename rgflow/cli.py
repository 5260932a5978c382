"""Command line: ``rgflow predict | flow | derive | figures``.

Bad input prints one line ``rgflow: error: …`` on stderr and exits with status 2; numerical
trouble (a diverging flow, an unconverged quadrature) exits with status 1 and the same kind of line.
"""
from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _model_args(p, *, P=True):
    p.add_argument("--alpha", type=float, required=True, help="spectrum exponent, λ_k = k^-(1+α), α > 0")
    p.add_argument("--beta", type=float, required=True, help="target exponent, y_k² = k^-(1+β), β > -1")
    if P:
        p.add_argument("--P", type=_int, required=True, help="training samples P >= 1")
    p.add_argument("--kappa", type=float, required=True, help="ridge κ > 0 (mass r = P/κ)")
    p.add_argument("--U", type=float, default=0.0, help="quartic coupling U >= 0 (u = U·P); default 0")
    p.add_argument("--cutoff", type=_int, default=None, help="number of modes Λ (default P)")


def _output_args(p):
    p.add_argument("--format", choices=("json", "csv"), default="json", help="output format (default json)")
    p.add_argument("--out", default=None, help="write to this file (atomically) instead of stdout")


def _int(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
    return int(value)


def build_parser():
    from .predict import METHODS
    from .flow import SCHEMES

    parser = _Parser(prog="rgflow", description="Wilsonian RG for kernel regression on power-law data.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("predict", help="⟨Δ_k⟩ and Var Δ_k of every mode by one method")
    _model_args(p)
    p.add_argument("--method", choices=tuple(METHODS), default="rg", help="predictor (default rg)")
    p.add_argument("--seed", type=_int, default=0, help="seed of the langevin method (default 0)")
    _output_args(p)

    p = sub.add_parser("flow", help="the running couplings along τ = ln ℓ")
    _model_args(p)
    p.add_argument("--scheme", choices=SCHEMES, default="continuum", help="continuum (default), discrete or hybrid")
    p.add_argument("--points", type=_int, default=101, help="number of output points (default 101)")
    _output_args(p)

    sub.add_parser("derive", help="regenerate rgflow/_equations.py and derivations/EQUATIONS.md (source checkout)")

    # --- commands implemented in their own modules: handler "module:function(ns)" -------------
    p = sub.add_parser("transfer", help="hyperparameters (kappa, U) that keep the RG trajectory at another P")
    _model_args(p)
    p.add_argument("--to-P", dest="to_P", type=_int, required=True, help="the new number of samples P' >= 1")
    _output_args(p)
    p.set_defaults(handler="rgflow.transfer:cli")

    p = sub.add_parser("curve", help="learning curve: loss per sample, bias and variance against P")
    _model_args(p, P=False)
    p.add_argument("--P", dest="P_values", required=True,
                   help="comma-separated P values (100,200,400) or a log-spaced range START:STOP:NUM")
    p.add_argument("--method", choices=tuple(METHODS), default="rg", help="predictor (default rg)")
    _output_args(p)
    p.set_defaults(handler="rgflow.curves:cli")

    p = sub.add_parser("scaling", help="scaling intervals of the couplings and their effective exponents")
    _model_args(p)
    _output_args(p)
    p.set_defaults(handler="rgflow.scaling:cli")

    p = sub.add_parser("field", help="the (U, r) flow field at chosen RG times, as a figure or as data")
    p.add_argument("--alpha", type=float, required=True, help="spectrum exponent α > 0")
    p.add_argument("--beta", type=float, default=None, help="target exponent β > -1 (default 1 + α)")
    p.add_argument("--cutoff", type=_int, default=1000, help="number of modes Λ (default 1000)")
    p.add_argument("--tau", default="0,1,2", help="comma-separated RG times (default 0,1,2)")
    p.add_argument("--out", required=True, help="output file: .png .pdf .svg (figure) or .csv .json (data)")
    p.add_argument("--raw", action="store_true", help="the couplings (U = u/P, r) instead of the rescaled (Û, r̂)")
    p.add_argument("--n", type=_int, default=200, help="grid points per axis (default 200)")
    p.add_argument("--U-range", dest="U_range", default=None, help="LOW,HIGH of the U axis (default: per τ, around the U-nullcline)")
    p.add_argument("--r-range", dest="r_range", default=None, help="LOW,HIGH of the r axis (default: r̂ in [-0.9, 1]); write --r-range=-0.5,1 when LOW < 0")
    p.set_defaults(handler="rgflow.field:cli")

    p = sub.add_parser("dynamics", help="learning dynamics in time: loss L(t), shell energies, front velocity")
    _model_args(p)
    p.add_argument("--method", choices=("gradient", "langevin", "mean-field"), default="gradient",
                   help="gradient flow (default), langevin (temperature 1, sampler at U > 0) or mean-field")
    p.add_argument("--t-min", dest="t_min", type=float, default=None, help="first time > 0 (default 0.01/(Λ^(1+α) + r))")
    p.add_argument("--t-max", dest="t_max", type=float, default=None, help="last time (default 30/(1 + r))")
    p.add_argument("--points", type=_int, default=121, help="log-spaced output times (default 121)")
    p.add_argument("--shells", type=_int, default=1, help="shells per octave of k (default 1)")
    p.add_argument("--chains", type=_int, default=32, help="chains of the langevin sampler (default 32)")
    p.add_argument("--seed", type=_int, default=0, help="seed of the langevin sampler (default 0)")
    _output_args(p)
    p.set_defaults(handler="rgflow.dynamics:cli")
    p = sub.add_parser("surface", help="loss surface on a (P, cutoff) grid and its scaling collapse")
    p.add_argument("--alpha", type=float, required=True, help="spectrum exponent, λ_k = k^-(1+α), α > 0")
    p.add_argument("--beta", type=float, required=True, help="target exponent, y_k² = k^-(1+β), β > -1")
    p.add_argument("--kappa", type=float, required=True, help="ridge κ > 0 (mass r = P/κ), fixed over the grid")
    p.add_argument("--U", type=float, default=0.0, help="quartic coupling U >= 0 (u = U·P); default 0")
    p.add_argument("--P", dest="P_values", required=True, help="P values: 100,200,400 or log range START:STOP:NUM")
    p.add_argument("--cutoff", dest="cutoff_values", required=True,
                   help="cutoffs Λ (model size): 100,200,400 or log range START:STOP:NUM")
    p.add_argument("--method", choices=tuple(METHODS), default="gp", help="predictor (default gp)")
    p.add_argument("--seed", type=_int, default=0, help="seed of the langevin method (default 0)")
    p.add_argument("--fit", action="store_true", help="also fit L = P^{c/a} W(Λ/P^{b/a}): exponents vs theory")
    _output_args(p)
    p.set_defaults(handler="rgflow.surface:cli")

    p = sub.add_parser("figures", help="regenerate the figures (PNG and PDF)")
    p.add_argument("--out", default="figures", help="output folder (default figures/)")
    p.add_argument("--only", default=None, help="comma-separated figure names or prefixes, e.g. fig3")
    return parser


def _model(ns):
    from .model import Model

    return Model(ns.alpha, ns.beta, ns.P, ns.kappa, ns.U, ns.cutoff)


def emit(ns, obj, header, columns):
    """Print (or write atomically to ns.out) ``obj`` as JSON or the columns as CSV with a header line."""
    from ._io import atomic_write, to_csv, to_json

    text = to_json(obj) if ns.format == "json" else to_csv(header, columns)
    if ns.out:
        atomic_write(ns.out, text)
    else:
        sys.stdout.write(text)


def _cmd_predict(ns):
    from .predict import predict

    options = {"seed": ns.seed, "progress": True} if ns.method == "langevin" else {}
    pred = predict(_model(ns), ns.method, **options)
    emit(ns, pred.to_dict(), *pred.to_rows())


def _cmd_flow(ns):
    import numpy as np

    from . import __version__
    from .flow import flow

    if not 2 <= ns.points <= 10**6:
        raise ValueError(f"points must be an integer in [2, 1000000], got {ns.points}")
    model = _model(ns)
    traj = flow(model, ns.scheme)
    if ns.scheme == "continuum":
        state = traj(np.linspace(0.0, traj.tau[-1], ns.points))
    else:
        ks = np.unique(np.round(np.geomspace(model.cutoff, 1, min(ns.points, model.cutoff))).astype(int))[::-1]
        state = traj.at_mode(ks)
    data = {key: np.asarray(state[key], dtype=float).tolist() for key in ("tau", "k_c", "r", "u", "s", "r_hat", "U_hat")}
    obj = {**traj.to_dict(), **data}   # the trajectory's stamps (scheme, params, end, version), sampled here
    emit(ns, obj, {"rgflow": __version__, "scheme": ns.scheme, **model.params}, data)


def _cmd_derive(ns):
    import importlib.util
    import pathlib

    script = pathlib.Path(__file__).resolve().parent.parent / "derivations" / "derive.py"
    if not script.exists():
        raise ValueError("derivations/derive.py was not found next to the package: run from a source checkout "
                         "(pip install -e .)")
    spec = importlib.util.spec_from_file_location("rgflow_derivation", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.main()


def _cmd_figures(ns):
    from .plotting.figures import make_figures

    only = [s.strip() for s in ns.only.split(",") if s.strip()] if ns.only is not None else None
    if only is not None and not only:
        raise ValueError(f"--only must name at least one figure (e.g. fig3), got {ns.only!r}")
    make_figures(ns.out, only=only)


def main(argv=None) -> int:
    from .exact import ConvergenceError
    from .flow import FlowError

    import warnings

    parser = build_parser()
    show = warnings.showwarning  # warnings (e.g. pt1 outside its range) as one line each
    warnings.showwarning = lambda message, *args, **kw: print(f"rgflow: warning: {message}", file=sys.stderr)
    try:
        ns = parser.parse_args(argv)
        if ns.version:
            from . import __version__
            print(__version__)
            return 0
        if ns.command is None:
            parser.print_help()
            return 0
        builtin = {"predict": _cmd_predict, "flow": _cmd_flow, "derive": _cmd_derive, "figures": _cmd_figures}
        if ns.command in builtin:
            result = builtin[ns.command](ns)
        else:
            import importlib

            module, function = ns.handler.split(":")
            result = getattr(importlib.import_module(module), function)(ns)
        return int(result or 0)
    except (_UsageError, ValueError) as exc:
        print(f"rgflow: error: {exc}", file=sys.stderr)
        return 2
    except (FlowError, ConvergenceError, FloatingPointError) as exc:
        print(f"rgflow: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as exc:  # an output path that cannot be written (missing folder, a directory, ...)
        where = f": {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(f"rgflow: error: cannot write the output{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("rgflow: error: out of memory: the cutoff (number of modes) is too large for this machine",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rgflow: error: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.showwarning = show


def run():  # console-script entry point
    sys.exit(main())
