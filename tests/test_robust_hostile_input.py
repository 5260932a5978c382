"""Hostile input and process hygiene (issue 26): no silent non-finite number, no hang or traceback from a
hostile file, flag or address, no orphan process, and the output conventions of the CLI.

Each case is a class of bug: every number of the command line goes through one parser, every input
file through one bounded reader (rgflow._io), every sweep row (fresh or resumed) through one check.
The corpus of hostile files is built here (and by bench/hostile_files.py, which runs it on more
subcommands and reports the counts).
"""

import contextlib
import io
import json
import math
import os
import signal
import subprocess
import sys
import time
import warnings
import zipfile

import numpy as np
import pytest

from rgflow import Model
from rgflow.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOOD = ["--alpha", "0.2", "--beta", "0.3", "--P", "20", "--kappa", "3"]


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def one_line_error(code, out, err, status=2, match=None):
    assert code == status, (code, err)
    assert err.startswith("rgflow: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert "internal error" not in err, err
    assert not out
    if match is not None:
        assert match in err, err


# --- hostile files --------------------------------------------------------------------------------


def _npy_bytes(header_dict_text, data=b"", version=1):
    h = header_dict_text
    h = h + " " * ((64 - (len(h) + 11) % 64) % 64) + "\n"
    size = len(h).to_bytes(2 if version == 1 else 4, "little")
    return b"\x93NUMPY" + bytes([version, 0]) + size + h.encode("latin1") + data


def hostile_files(folder):
    """{name: (path, expected words of the message)}: the corpus (each must end in one line, exit 2)."""
    folder = str(folder)
    lam, y = 1.0 / np.arange(1, 41) ** 1.2, np.arange(1, 41) ** -0.65
    files = {}

    def put(name, data, words):
        path = os.path.join(folder, name)
        with open(path, "wb") as fh:
            fh.write(data)
        files[name] = (path, words)

    def npz(name, words, **arrays):
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        put(name, buf.getvalue(), words)

    npz("good.npz", None, eigenvalues=lam, target=y, meta=np.array(json.dumps({"N": 40})))
    good = open(files["good.npz"][0], "rb").read()
    put("empty.npz", b"", "not a readable .npz")
    put("truncated.npz", good[: len(good) // 2], "not a readable .npz")
    put("corrupt.npz", b"PK\x03\x04" + bytes(range(256)) * 2, "not a readable .npz")
    npz("deep_meta.npz", "meta", eigenvalues=lam, target=y, meta=np.array("[" * 100000 + "]" * 100000))
    npz("number_meta.npz", "meta must be a JSON object", eigenvalues=lam, target=y, meta=np.array("3"))
    npz("list_meta.npz", "meta must be a JSON object", eigenvalues=lam, target=y, meta=np.array("[1, 2]"))
    npz("nan_meta.npz", "dropped_power", eigenvalues=lam, target=y, meta=np.array('{"dropped_power": -1}'))
    npz("record.npz", "structured", eigenvalues=np.zeros(3, dtype=[("a", float), ("b", int)]), target=y[:3])
    npz("two_d.npz", "1-D", eigenvalues=lam.reshape(4, 10), target=y.reshape(4, 10))
    npz("three_d.npz", "1-D", eigenvalues=lam.reshape(2, 2, 10), target=y.reshape(2, 2, 10))
    npz("bool.npz", "bool", eigenvalues=np.ones(3, bool), target=y[:3])
    npz("complex.npz", "complex", eigenvalues=lam + 0j, target=y)
    npz("string.npz", "string", eigenvalues=np.array(["1", "0.5"]), target=y[:2])
    npz("object_free_missing.npz", "missing array", eigenvalues=lam)
    # a zip bomb: the member declares 3e8 float64 (2.4 GB) and compresses to ~2 MB
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("eigenvalues.npy", "w", force_zip64=True) as fh:
            fh.write(_npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (300000000,), }"))
            block = b"\0" * (1 << 20)
            for _ in range(2300):
                fh.write(block)
        zf.writestr("target.npy", _npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8))
    put("bomb.npz", buf.getvalue(), "declares")
    put("garbage.csv", b"eigenvalue,target\nabc,1\n", "not numeric")
    put("binary.csv", bytes(range(256)) * 4, "UTF-8")
    path = os.path.join(folder, "sparse.csv")
    with open(path, "wb") as fh:
        fh.truncate(2 * 10**9)  # 2 GB of holes: refused on its size, never read
    files["sparse.csv"] = (path, "exceeds the limit")
    os.mkfifo(os.path.join(folder, "fifo.npz"))
    files["fifo.npz"] = (os.path.join(folder, "fifo.npz"), "FIFO")
    os.mkdir(os.path.join(folder, "dir.npz"))
    files["dir.npz"] = (os.path.join(folder, "dir.npz"), "directory")
    files["missing.npz"] = (os.path.join(folder, "missing.npz"), "not found")
    return files


def hostile_arrays(folder):
    """{name: (path, words)} of .npy/.csv inputs of --gram/--target/--features/--labels."""
    folder = str(folder)
    files = {}

    def put(name, data, words):
        path = os.path.join(folder, name)
        with open(path, "wb") as fh:
            fh.write(data)
        files[name] = (path, words)

    put("zeros.npy", b"\0" * 1000, "no NumPy header")
    put("huge_header.npy", b"\x93NUMPY\x02\x00" + (2**31).to_bytes(4, "little") + b"{", "header declares")
    put(
        "huge_shape.npy",
        _npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }"),
        "more than the limit",
    )
    put(
        "truncated.npy",
        _npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (10, 10), }", b"\0" * 80),
        "truncated",
    )
    put("pickle.npy", _npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8), "object")
    put("bool.npy", _npy_bytes("{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }", b"\1" * 4), "bool")
    put("complex.npy", _npy_bytes("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", b"\0" * 16), "complex")
    put(
        "literal.npy",
        _npy_bytes("{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,), }"),
        "unreadable .npy header",
    )
    put("text.csv", b"1,2\nx,y\n", "not a CSV table of numbers")
    put("empty.csv", b"", "no numbers")
    os.mkfifo(os.path.join(folder, "fifo.npy"))
    files["fifo.npy"] = (os.path.join(folder, "fifo.npy"), "FIFO")
    return files


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return hostile_files(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def arrays(tmp_path_factory):
    return hostile_arrays(tmp_path_factory.mktemp("arrays"))


def test_the_good_spectrum_file_is_read(corpus):
    code, out, err = run_cli("predict", "--spectrum", corpus["good.npz"][0], "--P", 10, "--kappa", 1, "--summary")
    assert code == 0, err
    assert json.loads(out)["params"]["modes"] == 40


@pytest.mark.parametrize("sub", ["predict", "curve", "sweep"])
def test_every_hostile_spectrum_file_is_one_line(corpus, sub):
    for name, (path, words) in corpus.items():
        if words is None:
            continue
        argv = {
            "predict": ["predict", "--P", 10, "--kappa", 1],
            "curve": ["curve", "--P", "10,20", "--kappa", 1],
            "sweep": ["sweep", "--P", "10,20", "--kappa", 1, "--quiet"],
        }[sub]
        t0 = time.perf_counter()
        res = run_cli(*argv, "--spectrum", path)
        assert time.perf_counter() - t0 < 20, name  # a hang, not a timing: the bomb took > 30 s
        one_line_error(*res, match=words)


def test_every_hostile_array_file_is_one_line(arrays):
    target = arrays["zeros.npy"][0]
    for _name, (path, words) in arrays.items():
        res = run_cli("spectrum", "--gram", path, "--target", target, "--out", os.devnull + ".npz")
        one_line_error(*res, match=words)
        assert "allow_pickle" not in res[2]  # never suggest unpickling


def test_readers_are_value_errors_naming_the_file(corpus):
    from rgflow.data import load_spectrum

    for name, (path, words) in corpus.items():
        if words is None:
            assert load_spectrum(path).eigenvalues.size == 40
            continue
        with pytest.raises(ValueError, match=name.split(".")[0]):
            load_spectrum(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_input_is_not_called_an_output(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("1\n2\n")
    path.chmod(0)
    code, out, err = run_cli("spectrum", "--features", path, "--labels", path, "--out", tmp_path / "s.npz")
    one_line_error(code, out, err, match="cannot read")
    assert "output" not in err


# --- item 1: non-finite output ----------------------------------------------------------------------


def test_flow_field_at_extreme_exponents_is_a_value_error_not_nulls():
    from rgflow import flow_field

    with pytest.raises(ValueError, match=r"^alpha must satisfy"):
        flow_field(1e308, n=5)
    with pytest.raises(ValueError, match=r"^beta must satisfy"):
        flow_field(0.2, beta=1e308, n=5)
    # just inside the bound the field is finite, and its magnitude at the fixed point agrees with the RHS
    ff = flow_field(49.0, cutoff=1000, tau=(0.0,), n=5, nullclines=False)
    assert np.all(np.isfinite(ff.dU)) and np.all(np.isfinite(ff.dr))
    code, out, err = run_cli("field", "--alpha", "1e308", "--n", 20)
    one_line_error(code, out, err, match="alpha must satisfy")


def _rows(tmp_path, rows):
    path = tmp_path / "F.json"
    path.write_text(json.dumps(rows))
    return path


SWEEP = ["sweep", "--alpha", "0.2,0.5", "--beta", "0.3", "--P", "100,200,400", "--kappa", "1,4", "--quiet"]


@pytest.mark.parametrize(
    "bad,words",
    [("NaN", "loss must be a finite number"), (-5, "loss must be >= 0"), ("x", "loss must be a finite number")],
)
def test_resumed_rows_are_checked_like_fresh_rows(tmp_path, bad, words):
    row = {
        "alpha": 0.2,
        "beta": 0.3,
        "P": 100,
        "kappa": 1.0,
        "U": 0.0,
        "cutoff": 100,
        "method": "rg",
        "loss": 0.5,
        "bias": 0.1,
        "variance": 0.4,
        "test_error": 0.1,
    }
    text = json.dumps([{**row, "loss": 12345.0}]).replace(
        "12345.0", bad if isinstance(bad, str) and bad == "NaN" else json.dumps(bad)
    )
    path = tmp_path / "F.json"
    path.write_text(text)
    one_line_error(*run_cli(*SWEEP, "--resume", "--out", path), match=words)
    assert path.read_text() == text  # the file is left as it was


@pytest.mark.parametrize("content", ['[null, 1, "a"]', "[[[[", "a,b\n1,2,3\n", "{}"])
def test_a_garbage_table_to_resume_is_one_line(tmp_path, content):
    path = tmp_path / "F.json"
    path.write_text(content)
    one_line_error(*run_cli(*SWEEP, "--resume", "--out", path), match="--resume")


def test_a_good_resumed_row_is_kept_and_the_rest_computed(tmp_path):
    from rgflow import sweep

    fresh = sweep(alpha="0.2,0.5", beta=0.3, P="100,200,400", kappa="1,4")
    path = _rows(tmp_path, fresh[:3])
    code, out, err = run_cli(*SWEEP, "--resume", "--out", path)
    assert code == 0, err
    assert json.loads(path.read_text()) == json.loads(json.dumps(fresh))


def test_sweep_api_checks_done():
    from rgflow import sweep

    for done, words in (
        (5, "done must be a sequence"),
        ([None], r"done\[0\] must be a row"),
        ([{"alpha": 0.2}], r"done\[0\] lacks the parameter column beta"),
    ):
        with pytest.raises(ValueError, match=words):
            sweep(alpha=0.2, beta=0.3, P=10, kappa=1.0, done=done)


# --- items 2-4: numeric flags and API parameters ------------------------------------------------------


@pytest.mark.parametrize(
    "argv,words",
    [
        (["field", "--alpha", "0.2", "--beta", "1e308", "--n", 5], "beta must satisfy"),
        (["field", "--alpha", "0.2", "--beta", "1_000", "--n", 5], "--beta"),
        (["field", "--alpha", "0.2", "--n", 3000], "n must be an integer in [3, 2000]"),
        (["field", "--alpha", "0.2", "--n", 1000], "grid points"),
        (["field", "--alpha", "0.2", "--U-range", "0,inf"], "--U-range"),
        (["predict", *GOOD, "--kappa", "1e400"], "--kappa"),
        (["predict", *GOOD, "--P", "1_000"], "--P"),
        (["dynamics", *GOOD, "--t-max", "1e308"], "t_max must lie in"),
        (["dynamics", *GOOD, "--t-min", "1e-320"], "t_min must lie in"),
        (
            ["dynamics", *GOOD, "--U", "0.05", "--method", "langevin", "--chains", "99999999999999999999999999"],
            "chains must be an integer in [2, 10000]",
        ),
        (["dynamics", *GOOD, "--chains", "8"], "--chains applies only with --method langevin"),
        (["predict", *GOOD, "--seed", "-1"], "--seed applies only with --method langevin"),
        (["sweep", *GOOD, "--to-P", "-1"], "--to-P applies only with --observable transfer"),
        (["transfer", *GOOD, "--to-P", "-1"], "to-P"),
        (["sweep", *GOOD, "--scheduler", ""], "--scheduler must be the address"),
        (["predict", *GOOD, "--out", ""], "--out must name a file"),
        (["spectrum", "--dataset", "wine", "--fit", "inf", "--out", "x.npz"], "--fit must be K_LO:K_HI"),
    ],
)
def test_bad_flags_are_one_line(argv, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_error(*run_cli(*argv), match=words)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "kw,name",
    [
        (dict(levels=5), "levels"),
        (dict(levels=[]), "levels"),
        (dict(times="abc"), "times"),
        (dict(times=[1.0, 1e308]), "times"),
        (dict(times=[1e-320, 1.0]), "times"),
        (dict(initial="x"), "initial"),
        (dict(initial=[1j] * 10), "initial"),
        (dict(shells=10**30), "shells"),
        (dict(chains=10**30), "chains"),
        (dict(steps_per_decade=1e300), "steps_per_decade"),
        (dict(times=[1e-300, 1e300]), "steps"),
    ],
)
def test_dynamics_parameters_are_value_errors_naming_them(kw, name):
    from rgflow import dynamics

    with pytest.raises(ValueError, match=name):
        dynamics(Model(0.2, 0.3, 10, 1.0, 0.05), **kw)


def test_krr_with_an_all_zero_target_is_a_value_error(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "X.npy", rng.normal(size=(30, 2)))
    np.save(tmp_path / "f.npy", np.zeros(30))
    one_line_error(
        *run_cli(
            "krr", "--features", tmp_path / "X.npy", "--labels", tmp_path / "f.npy", "--P", "5,10", "--kappa", "0.1"
        ),
        match="must not be zero",
    )


def test_scheduler_that_refuses_is_a_message_about_the_scheduler():
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as s:  # a free port, closed again: connecting is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = run_cli(*SWEEP, "--scheduler", f"tcp://127.0.0.1:{port}")
    one_line_error(code, out, err, match="no Dask scheduler answered")
    assert "cannot write" not in err


# --- item 5: determinism and processes ----------------------------------------------------------------


def test_langevin_json_has_no_wall_clock():
    argv = ["predict", *GOOD, "--U", "0.05", "--method", "langevin", "--cutoff", "20"]
    first, second = run_cli(*argv), run_cli(*argv)
    assert first[0] == 0 and first[1] == second[1] and '"seconds"' not in first[1]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):  # a zombie of ours is dead
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for the children")
def test_sweep_workers_die_with_a_killed_parent(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rgflow",
            "sweep",
            "--alpha",
            "0.1:1:6",
            "--beta",
            "0.3",
            "--P",
            "100:3000:6",
            "--kappa",
            "1,4",
            "--U",
            "0.05",
            "--method",
            "langevin",
            "--workers",
            "2",
            "--quiet",
            "--out",
            str(tmp_path / "s.json"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    kids = []
    for _ in range(200):  # wait (at most 20 s) for the two workers
        time.sleep(0.1)
        with contextlib.suppress(OSError):
            kids = [int(p) for p in open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()]
        if len(kids) >= 2:
            break
    assert len(kids) >= 2
    proc.kill()
    proc.wait()
    for _ in range(100):  # at most 10 s; they end within about 0.5 s
        if not any(_alive(k) for k in kids):
            break
        time.sleep(0.1)
    alive = [k for k in kids if _alive(k)]
    for k in alive:
        os.kill(k, signal.SIGKILL)
    assert not alive


def test_sigint_while_importing_is_one_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    for delay in (0.12, 0.2, 0.3):  # after the interpreter itself has started (its own start-up is not ours)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rgflow",
                "curve",
                "--alpha",
                "0.2",
                "--beta",
                "0.3",
                "--kappa",
                "3",
                "--U",
                "0.05",
                "--method",
                "exact",
                "--P",
                "100:3000:400",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=60)[1].decode()
        assert "Traceback" not in err, (delay, err)
        assert proc.returncode in (0, 130), (delay, proc.returncode, err)


# --- item 8: figures without scikit-learn ---------------------------------------------------------------


def test_figures_without_sklearn_keep_the_others_and_name_the_install(tmp_path, monkeypatch):
    import rgflow.plotting.figures as figs

    def needs_sklearn(out_dir):
        import sklearn_is_not_installed  # noqa: F401

    def fine(out_dir):
        path = os.path.join(out_dir, "ok.txt")
        os.makedirs(out_dir, exist_ok=True)
        open(path, "w").close()
        return [path]

    monkeypatch.setattr(
        figs, "_available", lambda: {"fig1-a": ("m1", "f"), "fig11-b": ("m2", "f"), "fig2-c": ("m3", "f")}
    )
    modules = {"m1": fine, "m2": needs_sklearn, "m3": fine}
    fake = type(
        "importlib", (), {"import_module": staticmethod(lambda name: type("M", (), {"f": staticmethod(modules[name])}))}
    )
    monkeypatch.setattr(figs, "importlib", fake)
    monkeypatch.setitem(figs._INSTALL, "sklearn_is_not_installed", "scikit-learn (pip install 'rgflow[data]')")
    code, out, err = run_cli("figures", "--out", tmp_path)
    assert code == 1 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("rgflow: error: fig11-b not made: install scikit-learn") and "other 2 figures" in last
    assert os.listdir(tmp_path) == ["ok.txt"]


# --- issue 25 item 6: the output --------------------------------------------------------------------------


def test_plot_alone_writes_only_the_plot(tmp_path):
    png = tmp_path / "p.png"
    code, out, err = run_cli("predict", *GOOD, "--plot", png)
    assert code == 0 and out == "" and png.read_bytes().startswith(b"\x89PNG")
    code, out, _ = run_cli("predict", *GOOD, "--plot", png, "--format", "json")
    assert code == 0 and {"mean", "var", "params"} <= set(json.loads(out))  # the JSON contract when asked


def test_summary_and_csv_carry_the_scalars_of_the_json():
    from rgflow import predict

    ref = predict(Model(0.2, 0.3, 20, 3.0), "rg")
    code, out, _ = run_cli("predict", *GOOD, "--summary")
    summary = json.loads(out)
    assert code == 0 and not any(isinstance(v, list) for v in summary.values())
    assert summary["loss"] == ref.loss and summary["bias"] == ref.bias and summary["variance"] == ref.variance
    code, out, _ = run_cli("predict", *GOOD, "--format", "csv")
    head = dict(item.split("=", 1) for item in out.splitlines()[0][2:].split(" "))
    assert float(head["loss"]) == ref.loss and float(head["test_error"]) == ref.test_error
    assert head["P"] == "20" and head["cutoff"] == "20"  # integers as integers
    assert out.splitlines()[1] == "k,mean,var" and out.splitlines()[2].startswith("1,")
    code, out, _ = run_cli("field", "--alpha", "0.2", "--n", "4", "--tau", "0", "--format", "csv")
    assert "None" not in out.splitlines()[0] and "n=4" in out.splitlines()[0]


def test_every_number_goes_through_one_parser():
    from rgflow._values import parse_number, parse_values

    assert parse_number("1e-3", "x") == 1e-3 and parse_number("-.5", "x") == -0.5
    for text in ("inf", "nan", "1_000", "0x10", "1e400", "", "1e", "--1"):
        with pytest.raises(ValueError, match="^x must"):
            parse_number(text, "x")
    with pytest.raises(ValueError, match="^P must"):
        parse_values("1_000,2", "P")
    assert math.isfinite(parse_number("1.7e308", "x"))
