"""Parameter sweeps: one table of an observable over the cartesian product of parameter lists.

    rows = rgflow.sweep(alpha=0.2, beta=0.3, P=[100, 200], kappa="1:100:5", U=[0, 0.05], method="rg")

Every model parameter (alpha, beta, P, kappa, U, cutoff) is a number, a list, or a string
``"a,b,c"`` / ``"START:STOP:NUM"`` (:func:`parse_values`). The combinations run in a fixed order
(the last parameter varies fastest) and each gives one row: the parameters, ``method`` and the
observable's columns. An observable is a small registered function ``fn(model, method, **options)
-> dict`` (:data:`OBSERVABLES`, :func:`register`): ``moments`` (loss, bias, variance), ``transfer``
(κ̃, Ũ, r̃, ũ at ``P_new``) and ``scaling`` (the scaling intervals and measured exponents of r, U, s).

Execution: serially, on a local process pool (``workers=N``) or on an existing Dask distributed
cluster (``client=``, optional extra ``rgflow[dask]``); every row is computed by the same function
from the same inputs, so the tables are bit-identical and in the same order. A combination whose
computation fails numerically (FlowError, ConvergenceError, ...) gives a row with null observables
and its ``error``. ``rgflow sweep`` adds progress on stderr, an atomically rewritten partial
``--out`` file after every finished row (Ctrl-C leaves what is done) and ``--resume``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .model import Model, check_int

__all__ = ["sweep", "parse_values", "OBSERVABLES", "register", "PARAMETERS", "check_row"]

PARAMETERS = ("alpha", "beta", "P", "kappa", "U", "cutoff")
_INTEGER = {"P", "cutoff", "width"}
NETWORK = ("width", "depth", "parameterization")  # rows of a network sweep carry these too
OBSERVABLES: dict = {}


def register(name):
    """Decorator: register ``fn(model, method, **options) -> dict of columns`` as observable ``name``."""

    def deco(fn):
        OBSERVABLES[name] = fn
        return fn

    return deco


@register("moments")
def _moments(model, method, **options):
    """⟨L⟩/P = bias + variance, bias = Σ⟨Δ_k⟩², variance = Σ Var Δ_k, and the expected test error
    (rgflow.predict.Prediction.test_error)."""
    from .predict import predict

    pred = predict(model, method, **options)
    bias, variance = pred.bias, pred.variance
    return {"loss": bias + variance, "bias": bias, "variance": variance, "test_error": pred.test_error}


@register("transfer")
def _transfer(model, method, *, P_new):
    """The couplings at P_new on the model's RG trajectory (rgflow.transfer): κ̃, Ũ, r̃ = P_new/κ̃, ũ = Ũ P_new."""
    from .transfer import transfer

    new = transfer(model, P_new).model
    out = {"P_new": new.P, "kappa_new": new.kappa, "U_new": new.U, "r_new": new.r, "u_new": new.u}
    if new.network:
        out["width_new"] = new.width
    return out


@register("scaling")
def _scaling(model, method, **options):
    """Analytic scaling interval [lo, hi] and measured effective exponents of r, U, s (rgflow.scaling_interval)."""
    from .scaling import scaling_interval

    if model.network:
        raise ValueError("the scaling observable is the quartic's; a network (width given) is not supported")
    res = scaling_interval(model.alpha, model.beta, model.P, model.kappa, model.U, model.cutoff, **options)
    out = {}
    for g in ("r", "U", "s"):
        part = getattr(res, g)
        out[f"{g}_lo"], out[f"{g}_hi"] = part["interval"]
        for name, (lo, hi) in part["measured"].items():
            out[f"{name}_lo"], out[f"{name}_hi"] = lo, hi
        out[f"{g}_verdict"] = part["verdict"]
    # the measured ranges without a resolved point (absent from the row: no _lo/_hi columns), named
    out["undefined"] = ",".join(key.split(".")[-1] for key in (res.undefined or {}) if ".measured." in key)
    return out


# --- parameter lists ------------------------------------------------------------------------


def parse_values(value, name):
    """The values of parameter ``name``: a number, a sequence, ``"a,b,c"`` or ``"START:STOP:NUM"``.

    Ranges of P and cutoff are rgflow.curves.parse_P_values (log-spaced integers, duplicates
    removed); ranges of the other parameters are NUM values log-spaced between START and STOP
    when both are > 0, evenly spaced otherwise (U from 0, negative β). ``None`` (cutoff only)
    means Λ = P. Values are checked by Model when the sweep starts.
    """
    from .curves import parse_P_values

    if value is None:
        if name != "cutoff":
            raise ValueError(f"{name} must be given (a number, a list or START:STOP:NUM)")
        return [None]
    if isinstance(value, str):
        text = value.strip()
        if name in _INTEGER:
            return [int(v) for v in parse_P_values(text, name)]
        from ._values import parse_values as parse

        ends = text.split(":")[:2]
        positive = all(_is_positive(e) for e in ends) if ":" in text else True
        return [float(v) for v in parse(text, name, integer=False, spacing="log" if positive else "linear", low=None)]
    seq = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
    if not seq:
        raise ValueError(f"{name} must hold at least one value")
    if name in _INTEGER:
        return [None if (name == "cutoff" and v is None) else check_int(name, v) for v in seq]
    return seq


def _is_positive(text) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def _tasks(params, ridge="bare", spectrum=None, network=None):
    if spectrum is not None:
        given = [name for name in ("alpha", "beta") if params[name] is not None]
        if given:
            raise ValueError(
                f"give either a spectrum or alpha and beta, not both (got a spectrum and {', '.join(given)})"
            )
    grids = [
        [None] if spectrum is not None and name in ("alpha", "beta") else parse_values(params[name], name)
        for name in PARAMETERS
    ]
    tasks = [dict(zip(PARAMETERS, combo)) for combo in itertools.product(*grids)]
    if network is not None:  # one row per width, after the other parameters
        widths = parse_values(network["width"], "width")
        tasks = [
            {**t, "width": int(w), "depth": network["depth"], "parameterization": network["parameterization"]}
            for t in tasks
            for w in widths
        ]
    for t in tasks:  # every combination is validated before any work
        t["ridge"] = ridge  # every row names its ridge (a resumed row without the key is bare: _key)
        t["cutoff"] = _model(t, spectrum).cutoff
        for k in ("alpha", "beta", "kappa", "U"):
            t[k] = None if t[k] is None else float(t[k])
        if spectrum is not None:
            t["digest"] = spectrum.digest
    return tasks


def _model(task, spectrum):
    """The Model of one row: the power law of its alpha, beta or the sweep's measured ``spectrum``."""
    return Model.build(
        task["alpha"],
        task["beta"],
        task["P"],
        task["kappa"],
        task["U"],
        task["cutoff"],
        spectrum,
        task.get("ridge", "bare"),
        **{k: task[k] for k in NETWORK if k in task},
    )


def _key(row):
    return (
        tuple(row[name] for name in PARAMETERS)
        + (row.get("ridge", "bare"), row.get("digest"))
        + tuple(row.get(k) for k in NETWORK)
    )


# --- the checks of every row, fresh or resumed -------------------------------------------------

_TEXT_COLUMNS = {"method", "error", "ridge", "digest", "undefined", "parameterization"}
_REQUIRED = {
    "moments": ("loss", "bias", "variance", "test_error"),
    "transfer": ("P_new", "kappa_new", "U_new", "r_new", "u_new"),
    "scaling": ("r_verdict", "U_verdict", "s_verdict"),
}
_NON_NEGATIVE = {"loss", "bias", "variance", "test_error", "train_error", "U_new", "u_new"}
_POSITIVE = {"kappa_new", "P_new"}


def _is_real(v) -> bool:
    return (
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, (bool, np.bool_))
        and math.isfinite(float(v))
    )


def check_row(row, observable, where="row") -> None:
    """ValueError naming ``where`` and the column unless ``row`` is a row of ``observable`` as
    :func:`evaluate` writes it: the parameters (alpha, beta finite or null, P and cutoff integers >= 1,
    kappa > 0, U >= 0), ``method``, and either ``error`` (a failed combination) or every column of the
    observable, each a finite number (loss, bias, variance, test error >= 0) or a text column.
    Resumed rows (``done``) and fresh rows go through the same check."""
    if not isinstance(row, dict):
        raise ValueError(f"{where} must be a row (an object of columns), got {type(row).__name__}")
    for name in PARAMETERS:
        if name not in row:
            raise ValueError(f"{where} lacks the parameter column {name}")
        v = row[name]
        if name in _INTEGER:
            ok = isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
        elif name in ("alpha", "beta"):
            ok = v is None or _is_real(v)
        else:
            ok = _is_real(v) and (v > 0 if name == "kappa" else v >= 0)
        if not ok:
            raise ValueError(
                f"{where}: {name} must be {'an integer >= 1' if name in _INTEGER else 'a finite number'}"
                f"{' > 0' if name == 'kappa' else ' >= 0' if name == 'U' else ''}, got {str(v)[:40]!r}"
            )
    if not isinstance(row.get("method"), str):
        raise ValueError(f"{where} lacks its method")
    failed = isinstance(row.get("error"), str) and row["error"]
    for col, v in row.items():
        if col in PARAMETERS or col in _TEXT_COLUMNS or col.endswith("_verdict"):
            if (
                col in _TEXT_COLUMNS | {c for c in row if c.endswith("_verdict")}
                and v is not None
                and not isinstance(v, str)
            ):
                raise ValueError(f"{where}: {col} must be text, got {str(v)[:40]!r}")
            continue
        if failed and v is None:
            continue
        if not _is_real(v):
            raise ValueError(f"{where}: {col} must be a finite number, got {str(v)[:40]!r}")
        if (col in _NON_NEGATIVE and v < 0) or (col in _POSITIVE and v <= 0):
            raise ValueError(f"{where}: {col} must be {'> 0' if col in _POSITIVE else '>= 0'}, got {v!r}")
    if not failed:
        missing = [c for c in _REQUIRED.get(observable, ()) if c not in row]
        if missing:
            raise ValueError(f"{where} lacks the column(s) {', '.join(missing)} of the {observable} observable")


# --- evaluation -----------------------------------------------------------------------------


def evaluate(task, method, observable, options, spectrum=None):
    """One row: the parameters of ``task``, ``method`` and the observable's columns (or ``error``)."""
    from .exact import ConvergenceError
    from .flow import FlowError

    row = dict(task)
    row["method"] = method
    try:
        row.update(OBSERVABLES[observable](_model(task, spectrum), method, **options))
        if observable in _REQUIRED:
            try:
                check_row(row, observable)
            except ValueError as exc:  # a non-finite or negative result: numerical trouble, named
                raise FloatingPointError(str(exc).replace("row: ", "the result: ", 1)) from None
    except (FlowError, ConvergenceError, FloatingPointError) as exc:
        row = {**dict(task), "method": method, "error": f"{type(exc).__name__}: {exc}"}
    return row


def _check(method, observable, options):
    from .predict import ALL_METHODS as METHODS

    if observable not in OBSERVABLES:
        raise ValueError(f"observable must be one of {', '.join(OBSERVABLES)}, got {observable!r}")
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if observable == "transfer":
        if "P_new" not in options:
            raise ValueError("the transfer observable needs the option P_new (an integer >= 1)")
        options["P_new"] = check_int("P_new", options["P_new"])


def sweep(
    *,
    alpha,
    beta,
    P,
    kappa,
    U=0.0,
    cutoff=None,
    method="rg",
    observable="moments",
    options=None,
    workers=1,
    client=None,
    done=(),
    on_row=None,
    ridge="bare",
    spectrum=None,
    width=None,
    depth=1,
    parameterization="standard",
) -> list:
    """Rows of ``observable`` by ``method`` over the product α × β × P × κ × U × Λ of the parameter values.

    Each parameter is a value, a list or a string ``"a,b,c"`` / ``"START:STOP:NUM"``
    (:func:`parse_values`). Runs serially (``workers=1``), on ``workers`` local processes, or on the
    Dask distributed ``client``; the rows are in the order of ``itertools.product`` over
    (alpha, beta, P, kappa, U, cutoff) and identical in every mode.

    Parameters
    ----------
    alpha, beta, P, kappa, U, cutoff
        The model parameters: values, lists or strings (keyword only).
    method : str, optional
        One of ``METHODS`` (default ``'rg'``).
    observable : {'moments', 'transfer', 'scaling'}, optional
        moments: loss, bias, variance; transfer: the transferred (κ̃, Ũ) (needs
        ``options={"P_new": n}``); scaling: the scaling intervals.
    options : dict, optional
        Options of the method or observable.
    workers : int ≥ 1, optional
        Local processes (default 1, serial).
    client : dask.distributed.Client, optional
        Run on a Dask cluster instead.
    done : sequence of dict, optional
        Rows already computed (their parameters are not run again; rows of another method are
        ignored). Each must pass :func:`check_row` (ValueError naming ``done[i]`` and the column).
    on_row : callable, optional
        ``on_row(rows_so_far, n_total)``, called after each finished row with the finished rows
        in table order.
    ridge : {"bare", "renormalized"}, optional
        r = P/κ (default) or r = 1/K (:class:`rgflow.Model`); each row carries ``ridge``.
    spectrum : PowerLaw or Measured, optional
        Every row uses it (then alpha = beta = None), and carries its ``digest``.
    width : int, list or str, optional
        Widths N of a network (docs/networks.md): one row per width (after the other parameters),
        each carrying width, depth and parameterization (U must then be 0).
    depth, parameterization : optional
        Of the network (with ``width``).

    Returns
    -------
    list of dict
        One row per parameter combination: alpha, beta, P, kappa, U, cutoff, method and the
        observable's columns.

    Raises
    ------
    ValueError
        On bad input (unknown method or observable, a bad parameter value), naming it. A row whose
        computation fails numerically (FlowError, ConvergenceError, ...) is not raised: it has
        null observables and its ``error``.

    Examples
    --------
    >>> import rgflow
    >>> rows = rgflow.sweep(alpha=0.2, beta=0.3, P="100,200", kappa=4.0, U=[0, 0.05], method="gp")
    >>> len(rows), [(row["P"], row["U"]) for row in rows]
    (4, [(100, 0.0), (100, 0.05), (200, 0.0), (200, 0.05)])
    >>> print(f"{rows[0]['loss']:.5f}")
    1.51652
    """
    options = dict(options or {})
    _check(method, observable, options)
    workers = check_int("workers", workers)
    if spectrum is not None and observable == "scaling":
        raise ValueError("the scaling observable needs the power law's exponents; a spectrum is not supported")
    network = None if width is None else {"width": width, "depth": depth, "parameterization": parameterization}
    tasks = _tasks(
        {"alpha": alpha, "beta": beta, "P": P, "kappa": kappa, "U": U, "cutoff": cutoff}, ridge, spectrum, network
    )
    if isinstance(done, (str, bytes, dict)) or not hasattr(done, "__iter__"):
        raise ValueError(f"done must be a sequence of rows (dicts), got {type(done).__name__}")
    done = list(done)
    for i, row in enumerate(done):
        check_row(row, observable, where=f"done[{i}]")
    have = {_key(r): r for r in done if r["method"] == method}
    results = [have.get(_key(t)) for t in tasks]
    todo = [i for i, r in enumerate(results) if r is None]

    def finished(i, row):
        results[i] = row
        if on_row is not None:
            on_row([r for r in results if r is not None], len(tasks))

    args = (method, observable, options, spectrum)
    if client is not None:
        from distributed import as_completed

        futures = client.map(
            evaluate,
            [tasks[i] for i in todo],
            method=method,
            observable=observable,
            options=options,
            spectrum=spectrum,
            pure=False,
        )
        index = {f.key: i for f, i in zip(futures, todo)}
        try:
            for fut in as_completed(futures):
                finished(index[fut.key], fut.result())
        finally:
            client.cancel(futures)
    elif workers > 1 and len(todo) > 1:
        import os
        from concurrent.futures import ProcessPoolExecutor, as_completed

        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(todo)), initializer=_die_with_parent, initargs=(os.getpid(),)
        )
        try:
            futures = {pool.submit(evaluate, tasks[i], *args): i for i in todo}
            for fut in as_completed(futures):
                finished(futures[fut], fut.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        for i in todo:
            finished(i, evaluate(tasks[i], *args))
    return results


def _die_with_parent(parent) -> None:
    """Initializer of the pool's workers: end this worker when the process ``parent`` ends, also by
    SIGKILL (which gives the pool no chance to stop it). Linux: the kernel sends SIGKILL on the
    parent's death (prctl PR_SET_PDEATHSIG); everywhere: a daemon thread checks the parent every 0.5 s."""
    import os
    import signal
    import threading
    import time

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError, TypeError):
        pass
    if os.getppid() != parent:  # the parent died before the prctl took effect
        os._exit(1)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="rgflow-parent-watch", daemon=True).start()


# --- table formats --------------------------------------------------------------------------


def _columns(rows):
    cols = []
    for r in rows:
        cols.extend(c for c in r if c not in cols)
    return cols


def to_text(rows, fmt) -> str:
    """The table as JSON (a list of row objects) or CSV (a header line, then one line per row)."""
    from ._io import to_json

    if fmt == "json":
        return to_json(rows)
    import csv
    import io

    from ._version import __version__

    buf = io.StringIO()
    buf.write(f"# rgflow={__version__} sweep\n")
    cols = _columns(rows)
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else repr(r[c]) if isinstance(r[c], float) else r[c] for c in cols])
    return buf.getvalue()


def from_text(text, fmt) -> list:
    """Rows written by :func:`to_text` (for ``--resume``). ValueError if ``text`` is not such a table
    (the rows themselves are checked by :func:`sweep` with :func:`check_row`)."""
    import json

    if fmt == "json":
        try:
            rows = json.loads(text)
        except (ValueError, RecursionError):
            raise ValueError("the file to resume is not JSON (or nested too deeply)") from None
        if not isinstance(rows, list):
            raise ValueError("the file to resume must hold a JSON list of rows")
        return rows
    import csv

    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    rows = []
    try:
        for no, rec in enumerate(csv.DictReader(lines), 1):
            row = {}
            for c, v in rec.items():
                if c is None or v is None:
                    raise ValueError(f"row {no} has more or fewer cells than the header")
                if v == "":
                    row[c] = None
                elif c in _INTEGER or c == "P_new":
                    row[c] = int(v) if v.lstrip("-").isdigit() else v
                elif c in _TEXT_COLUMNS or c.endswith("_verdict"):
                    row[c] = v
                else:
                    try:
                        row[c] = float(v)
                    except ValueError:
                        row[c] = v  # check_row names it
            rows.append(row)
    except csv.Error as exc:
        raise ValueError(f"the file to resume is not a CSV table ({exc})") from None
    return rows


from ._callable import make_callable  # noqa: E402  (called, this module is sweep(), also under Dask)

make_callable(__name__)
