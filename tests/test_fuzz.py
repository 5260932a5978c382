"""Property-based fuzzing of every public entry point and CLI subcommand (issue 18 item 8).

Over the stated domain (alpha in [0.01, 5], beta in [-0.9, 10], P and the cutoff up to 3000,
kappa from 1e-300 to 1e300, U = 0 or from 1e-300 up) every call must

* return, or raise only a documented exception with a message: ValueError / TypeError (input outside
  the representable range, named with its allowed range), FlowError / TransferError / ConvergenceError /
  FloatingPointError (a numerical limit, named);
* return finite numbers (a quantity that is undefined is named in the result's ``undefined``), with
  0 < <Delta_k> <= y_k and 0 < Var Delta_k <= lambda_k for every method but pt1 (which warns);
* take at most the per-example deadline (hypothesis' own clock; the measured bound is in
  ``bench/fuzz.py``);
* and, on the CLI, give byte-identical output for identical input.

Profiles: ``ci`` (default, a few examples per entry point, ~60 s in all) and ``long``
(``RGFLOW_FUZZ=long``, run by ``python bench/fuzz.py``). Fixed seed (derandomized), no database.
"""

import atexit
import contextlib
import io
import time
import math
import os
import warnings
from datetime import timedelta

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from rgflow import (
    ConvergenceError,
    FlowError,
    METHODS,
    Model,
    dynamics,
    flow,
    flow_batch,  # noqa: E402
    flow_field,
    learning_curve,
    loss_surface,
    predict,
    scaling_interval,
    transfer,
)
from rgflow.cli import main  # noqa: E402
from rgflow.flow import SCHEMES  # noqa: E402
from rgflow.transfer import transfer_map  # noqa: E402

_COMMON = dict(
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile(
    "ci", max_examples=int(os.environ.get("RGFLOW_FUZZ_EXAMPLES", 4)), deadline=timedelta(seconds=60), **_COMMON
)
settings.register_profile(
    "long", max_examples=int(os.environ.get("RGFLOW_FUZZ_EXAMPLES", 100)), deadline=timedelta(seconds=20), **_COMMON
)
PROFILE = os.environ.get("RGFLOW_FUZZ", "ci")
settings.load_profile(PROFILE)

NUMERICAL = (FlowError, ConvergenceError, FloatingPointError)  # TransferError is a FlowError
BAD_INPUT = (ValueError, TypeError)
LAM_MAX = int(os.environ.get("RGFLOW_FUZZ_CUTOFF", 3000))

# --- the stated domain -------------------------------------------------------------------------

alphas = st.floats(0.01, 5.0)
betas = st.floats(-0.9, 10.0)
sizes = st.integers(0, int(100 * math.log10(LAM_MAX))).map(lambda e: max(1, int(round(10 ** (e / 100)))))
kappas = st.floats(-300.0, 300.0).map(lambda e: 10.0**e)
Us = st.one_of(st.just(0.0), st.floats(-300.0, 300.0).map(lambda e: 10.0**e))


@st.composite
def models(draw, max_cutoff=LAM_MAX, min_cutoff=1):
    P = min(draw(sizes), max_cutoff)
    cutoff = draw(st.one_of(st.none(), sizes.map(lambda c: min(max(c, min_cutoff), max_cutoff))))
    if cutoff is None:
        P = max(P, min_cutoff)
    return dict(alpha=draw(alphas), beta=draw(betas), P=P, kappa=draw(kappas), U=draw(Us), cutoff=cutoff)


TIMES = {}  # slowest call per test (written to $RGFLOW_FUZZ_TIMES by bench/fuzz.py; never asserted)
COUNTS = {}  # examples and outcomes per test


def _record(seconds, outcome):
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0].split("::")[-1]
    TIMES[test] = max(TIMES.get(test, 0.0), seconds)
    counts = COUNTS.setdefault(test, {})
    counts[outcome] = counts.get(outcome, 0) + 1


@atexit.register
def _write_times():
    path = os.environ.get("RGFLOW_FUZZ_TIMES")
    if path and TIMES:
        import json

        with open(path, "w") as fh:
            json.dump({"max_seconds": TIMES, "outcomes": COUNTS}, fh, indent=1, sort_keys=True)


def attempt(fn, *args, **kw):
    """fn(*args, **kw), or None when it raises a documented exception with a message."""
    t0 = time.perf_counter()
    try:
        out = _attempt(fn, *args, **kw)
    except BaseException:
        _record(time.perf_counter() - t0, "finding")
        raise
    _record(time.perf_counter() - t0, "result" if out is not None else "documented error")
    return out


def _attempt(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kw)
        except BAD_INPUT + NUMERICAL as exc:
            assert str(exc).strip(), f"{type(exc).__name__} without a message"
            return None


def finite_everywhere(obj, path="", allowed=()):
    """Assert every float in a (nested) to_dict() is finite, except the paths named ``allowed``
    (only results that document a non-finite entry use it; scaling_interval and sweep rows do not)."""
    if isinstance(obj, dict):
        for key, v in obj.items():
            finite_everywhere(v, f"{path}.{key}" if path else str(key), allowed)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            finite_everywhere(v, path, allowed)
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f" and not any(path.endswith(a) for a in allowed):
            assert np.all(np.isfinite(obj)), f"non-finite values in {path}"
    elif isinstance(obj, float) and not any(path.endswith(a) for a in allowed):
        assert math.isfinite(obj), f"non-finite {path} = {obj}"


def check_moments(pred):
    """Finite; 0 < <Delta_k>/y_k <= 1 and 0 < Var Delta_k <= lambda_k (langevin within its error bars)."""
    m, v = pred.mean, pred.var
    assert np.all(np.isfinite(m)) and np.all(np.isfinite(v))
    if pred.method == "pt1":
        return
    y, lam = pred.model.target(), pred.model.eigenvalues()
    assert np.all(m > 0) and np.all(v > 0)
    slack_m = slack_v = 0.0
    if pred.method == "langevin":
        slack_m, slack_v = 8 * np.asarray(pred.info["mean_stderr"]), 8 * np.asarray(pred.info["var_stderr"])
    assert np.all(m <= y * (1 + 1e-9) + slack_m), np.max(m / y)
    assert np.all(v <= lam * (1 + 1e-9) + slack_v), np.max(v / lam)


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", sorted(METHODS))
@given(params=models())
def test_predict(method, params):
    model = attempt(Model, **params)
    if model is None:
        return
    if method == "langevin" and model.cutoff > 300:
        model = model.replace(cutoff=300) if model.P >= 300 else model
        if model.cutoff > 300:
            return
    pred = attempt(predict, model, method)
    if pred is not None:
        check_moments(pred)
        finite_everywhere(pred.to_dict(), allowed=("info",))


@pytest.mark.parametrize("scheme", SCHEMES)
@given(params=models())
def test_flow(scheme, params):
    model = attempt(Model, **params)
    traj = None if model is None else attempt(flow, model, scheme)
    if traj is not None:
        r_end, u_end = traj.end
        assert math.isfinite(r_end) and r_end > 0 and math.isfinite(u_end) and u_end >= 0
        finite_everywhere(traj.to_dict())


@given(
    alpha=alphas,
    beta=betas,
    cutoff=sizes,
    r0=st.lists(kappas, min_size=1, max_size=4),
    u0=st.lists(Us, min_size=1, max_size=4),
)
def test_flow_batch(alpha, beta, cutoff, r0, u0):
    n = min(len(r0), len(u0))
    out = attempt(flow_batch, alpha, beta, cutoff, r0[:n], u0[:n])
    if out is not None:
        for key, v in out.items():
            if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                assert np.all(np.isfinite(v)), key


@given(params=models(), P_new=sizes)
def test_transfer(params, P_new):
    model = attempt(Model, **params)
    res = None if model is None else attempt(transfer, model, P_new)
    if res is not None:
        finite_everywhere(res.to_dict())


@given(
    params=models(),
    ratios=st.lists(st.floats(0.05, 4.0), min_size=1, max_size=3),
    U_values=st.lists(Us, min_size=1, max_size=3),
)
def test_transfer_map(params, ratios, U_values):
    model = attempt(Model, **params)
    res = None if model is None else attempt(transfer_map, model, ratios, U_values)
    if res is not None:  # strictly finite; a quantity that lost cells is named in ``undefined``
        finite_everywhere(res.to_dict())
        n_cells = res.U.size * res.ratio.size
        zero_U = (np.asarray(res.U) == 0)[:, None]
        for name in ("kappa_ratio", "r_ratio", "U_ratio", "u_ratio"):
            cells = getattr(res, name)
            assert len({len(v) for v in cells.values()}) == 1, name
            assert (cells["value"].size < n_cells) == (name in res.undefined), name
            lost = res.failed | zero_U if name in ("U_ratio", "u_ratio") else res.failed
            assert not np.any(res.defined(name) & lost), name  # a failed cell or 0/0 is never filled


@pytest.mark.parametrize("method", ["rg", "exact", "gp"])
@given(params=models(), P_values=st.lists(sizes, min_size=1, max_size=3))
def test_learning_curve(method, params, P_values):
    res = attempt(learning_curve, P_values, params["alpha"], params["beta"], params["kappa"], params["U"], method)
    if res is not None:
        finite_everywhere(res.to_dict())


@given(params=models(min_cutoff=3))
def test_scaling_interval(params):
    res = attempt(
        scaling_interval, params["alpha"], params["beta"], params["P"], params["kappa"], params["U"], params["cutoff"]
    )
    if res is not None:  # strictly finite; a series that lost points is named in ``undefined``
        finite_everywhere(res.to_dict())
        grid = {"modes": res.params["cutoff"], "flow": 200}
        for name, series in res.effective.items():
            if name != "U_flow":
                n = grid["modes" if name in ("r_hat_modes", "U_effect", "U_effect_full") else "flow"]
                assert (series["tau"].size < n) == (f"effective.{name}" in res.undefined), name


@given(
    alpha=alphas,
    beta=st.one_of(st.none(), betas),
    cutoff=sizes,
    n=st.integers(2, 30),
    tau=st.lists(st.floats(0.0, 8.0), min_size=1, max_size=3),
    origin=st.booleans(),
    rescaled=st.booleans(),
)
def test_flow_field(alpha, beta, cutoff, n, tau, origin, rescaled):
    window = dict(U_range=(0.0, 1.0), r_range=(0.0, 1.0)) if origin else {}  # (0, 0): a fixed point on the grid
    res = attempt(flow_field, alpha, beta, cutoff, tuple(tau), n=n, rescaled=rescaled, **window)
    if res is not None:
        finite_everywhere(res.to_dict())


@given(
    params=models(),
    P_values=st.lists(sizes, min_size=1, max_size=3),
    cutoffs=st.lists(sizes, min_size=1, max_size=3),
    method=st.sampled_from(["rg", "gp", "exact", "pt1"]),
)
def test_loss_surface(params, P_values, cutoffs, method):
    res = attempt(
        loss_surface, P_values, cutoffs, params["alpha"], params["beta"], params["kappa"], params["U"], method
    )
    if res is not None:
        finite_everywhere(res.to_dict())


@pytest.mark.parametrize("method", ["gradient", "mean-field", "langevin"])
@given(params=models(max_cutoff=300), shells=st.integers(1, 4))
def test_dynamics(method, params, shells):
    model = attempt(Model, **params)
    res = None if model is None else attempt(dynamics, model, method=method, shells=min(shells, model.cutoff))
    if res is not None:  # strictly finite; an absent part of the fit is named in ``undefined``
        d = res.to_dict()
        finite_everywhere(d)
        for name, fit in (("fit", d["fit"]), ("fit.massless", d["fit"]["massless"])):
            assert None not in fit.values(), name
            assert ("a" in fit) == (name not in d["undefined"]), name
        assert ("rel_dev_from_u0_prediction" in d["fit"]) == ("fit.rel_dev_from_u0_prediction" not in d["undefined"])


@given(params=models(max_cutoff=500), observable=st.sampled_from(["moments", "transfer", "scaling"]))
def test_sweep(params, observable):
    from rgflow.sweep import sweep

    opts = dict(
        alpha=[params["alpha"]],
        beta=[params["beta"]],
        P=[params["P"]],
        kappa=[params["kappa"]],
        U=[params["U"]],
        observable=observable,
    )
    if observable == "transfer":
        opts["options"] = {"P_new": max(1, params["P"] // 2)}
    rows = attempt(sweep, **opts)
    if rows is not None:
        for row in rows:
            finite_everywhere(row)
            if observable == "scaling" and "error" not in row:  # an undefined measured range is absent, named
                named = set(filter(None, row["undefined"].split(",")))
                for name in ("r_hat_flow", "U_hat_flow", "U_effect", "U_effect_full", "s_flow"):
                    assert (f"{name}_lo" in row) == (f"{name}_hi" in row) == (name not in named), name


# bad input of every kind: a ValueError/TypeError naming the parameter, never another exception
junk = st.one_of(
    st.just(math.nan),
    st.just(math.inf),
    st.just(-math.inf),
    st.complex_numbers(allow_nan=False),
    st.frozensets(st.integers(0, 3), max_size=2),
    st.lists(st.lists(st.integers(0, 3), max_size=2), min_size=1, max_size=2),
    st.text(max_size=3),
    st.just(None),
    st.just(10**400),
    st.just(-(10**400)),
    st.booleans(),
)


@given(name=st.sampled_from(["alpha", "beta", "P", "kappa", "U", "cutoff"]), value=junk)
def test_bad_model_input(name, value):
    params = dict(alpha=0.2, beta=0.3, P=50, kappa=3.0, U=0.05, cutoff=None)
    if name == "cutoff" and value is None:
        return
    with pytest.raises(BAD_INPUT, match=name):
        Model(**{**params, name: value})


@given(which=st.sampled_from(["P_values", "cutoff_values"]), value=junk)
def test_bad_surface_and_curve_input(which, value):
    P_values, cutoffs = ([value] if which == "P_values" else [50]), ([value] if which == "cutoff_values" else [50])
    with pytest.raises(BAD_INPUT):
        loss_surface(P_values, cutoffs, 0.2, 0.3, 3.0)
    if which == "P_values":
        with pytest.raises(BAD_INPUT):
            learning_curve(P_values, 0.2, 0.3, 3.0)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_unknown_options_are_value_errors(method):
    with pytest.raises(ValueError, match="options"):
        predict(Model(0.2, 0.3, 10, 1.0), method, bogus=1)


# --- the CLI -----------------------------------------------------------------------------------


def cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def model_argv(p, P_list=False):
    argv = ["--alpha", repr(p["alpha"]), "--beta", repr(p["beta"]), "--P", str(p["P"]), "--kappa", repr(p["kappa"])]
    return argv + ["--U", repr(p["U"])]


def check_cli(argv):
    t0 = time.perf_counter()
    code, out, err = cli(argv)
    _record(time.perf_counter() - t0, f"exit {code}")
    assert "Traceback" not in err, err
    assert code in (0, 1, 2), (code, err)
    if code:
        assert err.startswith("rgflow: error: ") and err.strip().count("\n") == 0 or "rgflow: warning" in err, err
        assert not out
    else:
        assert out
        code2, out2, _ = cli(argv)
        assert code2 == 0 and out2 == out  # identical input, identical bytes
    return code, out


CLI_CASES = {
    "predict": lambda p, d: [
        "predict",
        *model_argv(p),
        "--cutoff",
        str(p["cutoff"] or p["P"]),
        "--method",
        d.draw(st.sampled_from([m for m in sorted(METHODS) if m != "langevin"])),
    ],
    "flow": lambda p, d: ["flow", *model_argv(p), "--scheme", d.draw(st.sampled_from(SCHEMES))],
    "transfer": lambda p, d: ["transfer", *model_argv(p), "--to-P", str(d.draw(sizes))],
    "curve": lambda p, d: [
        "curve",
        *model_argv(p)[:4],
        "--P",
        f"{p['P']},{d.draw(sizes)}",
        "--kappa",
        repr(p["kappa"]),
        "--U",
        repr(p["U"]),
        "--method",
        d.draw(st.sampled_from(["rg", "gp", "exact"])),
    ],
    "scaling": lambda p, d: ["scaling", *model_argv(p)],
    "field": lambda p, d: [
        "field",
        "--alpha",
        repr(p["alpha"]),
        "--tau",
        "0,1",
        "--n",
        str(d.draw(st.integers(2, 20))),
        "--cutoff",
        str(max(p["P"], 2)),
    ],
    "surface": lambda p, d: [
        "surface",
        "--alpha",
        repr(p["alpha"]),
        "--beta",
        repr(p["beta"]),
        "--kappa",
        repr(p["kappa"]),
        "--U",
        repr(p["U"]),
        "--P",
        f"{p['P']},{d.draw(sizes)}",
        "--cutoff",
        f"{d.draw(sizes)}",
        "--method",
        d.draw(st.sampled_from(["rg", "gp", "pt1"])),
    ],
    "dynamics": lambda p, d: [
        "dynamics",
        *model_argv({**p, "P": min(p["P"], 300)}),
        "--method",
        d.draw(st.sampled_from(["gradient", "mean-field"])),
    ],
    "sweep": lambda p, d: ["sweep", *model_argv({**p, "P": min(p["P"], 500)}), "--quiet"],
}


@pytest.mark.parametrize("sub", sorted(CLI_CASES))
@given(params=models(), data=st.data())
def test_cli(sub, params, data):
    fmt = data.draw(st.sampled_from(["json", "csv"]))
    code, out = check_cli(CLI_CASES[sub](params, data) + ["--format", fmt])
    if sub == "scaling" and code == 0:  # no NaN, null or Infinity anywhere in the output
        if fmt == "json":
            import json

            json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
            assert "null" not in out
        else:
            cells = [c for line in out.splitlines()[1:] for c in line.split(",")]
            assert not {"nan", "inf", "-inf", ""} & set(cells), out


BAD_TEXTS = ["nan", "inf", "-inf", "1e400", "1+2j", "{1}", "[[1]]", "x", "1_000", "0x10", "", " "]
ODD_TEXTS = ["-1", "0", "1e30", "100000000000000000000000000", "1e308", "3000", "1e-300", "1e-320"]
MODEL_FLAGS = ["--alpha", "--beta", "--P", "--kappa", "--U", "--cutoff", "--n", "--tau", "--to-P"]


@pytest.mark.parametrize("sub", sorted(CLI_CASES))
@given(text=st.sampled_from(BAD_TEXTS + ODD_TEXTS), data=st.data())
def test_cli_bad_values_are_one_line(sub, text, data):
    """Every numeric flag of every subcommand, given junk or an extreme value: output or one line, never a
    traceback or non-finite output; junk (not a finite decimal) is always refused with exit 2."""
    argv = CLI_CASES[sub](dict(alpha=0.2, beta=0.3, P=20, kappa=3.0, U=0.05, cutoff=None), data)
    flags = [f for f in MODEL_FLAGS if f in argv]
    assert flags, argv  # every case has numeric flags: the draw below always happens
    flag = data.draw(st.sampled_from(flags))
    argv[argv.index(flag) + 1] = text
    code, out = check_cli(argv)
    if text in BAD_TEXTS:
        assert code == 2
    if code == 0 and "--format" not in argv or code == 0 and argv[argv.index("--format") + 1] == "json":
        import json

        json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))


# --- hostile files -------------------------------------------------------------------------------


def _corpus():
    import tempfile

    from test_robust_hostile_input import hostile_arrays, hostile_files

    folder = tempfile.mkdtemp(prefix="rgflow-fuzz-")
    files = hostile_files(folder)
    os.mkdir(os.path.join(folder, "arrays"))
    return files, hostile_arrays(os.path.join(folder, "arrays"))


CORPUS = {}


@given(data=st.data())
def test_cli_hostile_files_are_one_line(data):
    """A hostile file (corrupt, truncated, empty, bomb, odd dtype, huge header, FIFO, directory) in any
    file flag of any reading subcommand: one line, exit 2, never a traceback or a hang."""
    if not CORPUS:
        CORPUS["files"], CORPUS["arrays"] = _corpus()
    files, arrays = CORPUS["files"], CORPUS["arrays"]
    name = data.draw(st.sampled_from(sorted(k for k, (_, w) in files.items() if w)))
    path = files[name][0]
    sub = data.draw(st.sampled_from(["predict", "curve", "sweep", "surface", "dynamics"]))
    argv = {
        "predict": ["predict", "--P", "10", "--kappa", "1"],
        "curve": ["curve", "--P", "10,20", "--kappa", "1"],
        "sweep": ["sweep", "--P", "10", "--kappa", "1", "--quiet"],
        "surface": ["surface", "--P", "10,20", "--cutoff", "10,20", "--kappa", "1"],
        "dynamics": ["dynamics", "--P", "10", "--kappa", "1"],
    }[sub] + ["--spectrum", path]
    code, _ = check_cli(argv)
    assert code == 2
    aname = data.draw(st.sampled_from(sorted(arrays)))
    flag = data.draw(st.sampled_from(["--gram", "--target"]))
    good = arrays["zeros.npy"][0]
    argv = ["spectrum", "--gram", good, "--target", good, "--out", os.devnull + ".npz"]
    argv[argv.index(flag) + 1] = arrays[aname][0]
    code, _ = check_cli(argv)
    assert code == 2
