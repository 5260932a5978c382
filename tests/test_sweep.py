"""rgflow.sweep / rgflow sweep: tables over parameter products, serial = process pool = Dask cluster,
interrupt and resume, the output contract."""

import importlib
import io
import json
import math
import subprocess
import sys
from contextlib import redirect_stdout

import numpy as np
import pytest

import rgflow
from rgflow import Model
from rgflow.cli import main
from rgflow.transfer import transfer

sweep_mod = importlib.import_module("rgflow.sweep")
GRID = dict(alpha=0.2, beta=0.3, P=[100, 200], kappa=[1, 4], U=[0, 0.05])


def test_rows_follow_the_product_and_equal_the_closed_form_at_U0():
    rows = rgflow.sweep(alpha=[0.2, 0.5], beta="0.3", P="100,300", kappa="1:100:3", method="gp")
    assert len(rows) == 2 * 2 * 3
    assert [(r["alpha"], r["P"], r["kappa"]) for r in rows[:4]] == [
        (0.2, 100, 1.0),
        (0.2, 100, 10.0),
        (0.2, 100, 100.0),
        (0.2, 300, 1.0),
    ]
    for r in rows:
        k = np.arange(1, r["P"] + 1.0)
        lam, y = k ** -(1 + r["alpha"]), k ** (-(1 + r["beta"]) / 2)
        d = 1 + r["P"] / r["kappa"] * lam
        bias, var = math.fsum((y / d) ** 2), math.fsum(lam / d)
        assert r["cutoff"] == r["P"] and r["U"] == 0.0 and r["method"] == "gp"
        assert r["bias"] == pytest.approx(bias, rel=1e-12)
        assert r["variance"] == pytest.approx(var, rel=1e-12)
        assert r["loss"] == pytest.approx(bias + var, rel=1e-12)


def test_process_pool_rows_are_bit_identical_to_serial():
    serial = rgflow.sweep(**GRID, method="rg")
    pooled = rgflow.sweep(**GRID, method="rg", workers=2)
    assert pooled == serial


def test_dask_cluster_rows_equal_serial(capsys):
    distributed = pytest.importorskip(
        "distributed", reason="Dask distributed is not installed (pip install rgflow[dask])"
    )
    serial = rgflow.sweep(**GRID, method="exact")
    with (
        distributed.LocalCluster(
            host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert rgflow.sweep(**GRID, method="exact", client=client) == serial
        # the command line on the same cluster, by its address
        assert (
            main(
                [
                    "sweep",
                    "--alpha",
                    "0.2",
                    "--beta",
                    "0.3",
                    "--P",
                    "100,200",
                    "--kappa",
                    "1,4",
                    "--U",
                    "0,0.05",
                    "--method",
                    "exact",
                    "--scheduler",
                    cluster.scheduler_address,
                    "--format",
                    "json",
                ]
            )
            == 0
        )
        assert json.loads(capsys.readouterr().out) == serial


def test_cli_contract_json_rows_with_parameters_and_moments(capsys):
    argv = [
        "sweep",
        "--alpha",
        "0.2",
        "--beta",
        "0.3",
        "--P",
        "100,200",
        "--kappa",
        "1,4",
        "--U",
        "0,0.05",
        "--method",
        "rg",
        "--workers",
        "2",
        "--format",
        "json",
    ]
    assert main(argv) == 0
    out = capsys.readouterr()
    rows = json.loads(out.out)
    assert isinstance(rows, list) and len(rows) == 8
    assert "8/8" in out.err
    for r in rows:
        assert {"alpha", "beta", "P", "kappa", "U", "cutoff", "loss", "bias", "variance"} <= set(r)
        pred = rgflow.predict(Model(r["alpha"], r["beta"], r["P"], r["kappa"], r["U"]), "rg")
        assert (r["bias"], r["variance"]) == (pred.bias, pred.variance)
    assert {(r["P"], r["kappa"], r["U"]) for r in rows} == {
        (P, k, U) for P in (100, 200) for k in (1.0, 4.0) for U in (0.0, 0.05)
    }


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_interrupt_leaves_the_rows_done_and_resume_finishes(tmp_path, monkeypatch, fmt):
    out = tmp_path / f"table.{fmt}"
    argv = [
        "sweep",
        "--alpha",
        "0.2",
        "--beta",
        "0.3",
        "--P",
        "100,200",
        "--kappa",
        "1,4",
        "--U",
        "0,0.05",
        "--method",
        "pt1",
        "--format",
        fmt,
        "--out",
        str(out),
        "--quiet",
    ]
    real, calls = sweep_mod.evaluate, []

    def interrupted(task, *args):
        calls.append(task)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(task, *args)

    monkeypatch.setattr(sweep_mod, "evaluate", interrupted)
    assert main(argv) == 130
    partial = sweep_mod.from_text(out.read_text(), fmt)
    assert len(partial) == 3
    monkeypatch.setattr(sweep_mod, "evaluate", lambda task, *args: calls.append(task) or real(task, *args))
    calls.clear()
    assert main(argv + ["--resume"]) == 0
    assert len(calls) == 5  # only the rows not done
    full = sweep_mod.from_text(out.read_text(), fmt)
    fresh = rgflow.sweep(**GRID, method="pt1")
    assert full == fresh  # floats round-trip exactly in both formats


def test_transfer_and_scaling_observables():
    rows = rgflow.sweep(
        alpha=0.2, beta=0.3, P=1000, kappa=1000 / 100**1.2, U=[0.05, 0.1], observable="transfer", options={"P_new": 500}
    )
    for r in rows:
        new = transfer(Model(0.2, 0.3, 1000, r["kappa"], r["U"]), 500).model
        assert (r["kappa_new"], r["U_new"], r["P_new"]) == (new.kappa, new.U, 500)
    (row,) = rgflow.sweep(alpha=0.2, beta=0.3, P=1000, kappa=4.0, U=0.05, observable="scaling")
    ref = rgflow.scaling_interval(0.2, 0.3, 1000, 4.0, 0.05)
    assert [row["U_lo"], row["U_hi"]] == ref.U["interval"]
    assert row["U_verdict"] == ref.U["verdict"]


def test_registered_observable_is_used():
    @sweep_mod.register("mu")
    def _mu(model, method):
        from rgflow.exact import saddle

        return {"mu": saddle(model)}

    try:
        rows = rgflow.sweep(alpha=0.2, beta=0.3, P=[100, 400], kappa=4.0, U=0.1, observable="mu")
        assert [r["mu"] for r in rows] == [rgflow.exact.saddle(Model(0.2, 0.3, P, 4.0, 0.1)) for P in (100, 400)]
    finally:
        del sweep_mod.OBSERVABLES["mu"]


def test_failed_combination_gives_a_row_with_its_error():
    rows = rgflow.sweep(
        alpha=0.2, beta=0.3, P=1000, kappa=4.0, U=[0.05, 1e6], method="rg-1loop"
    )  # the one-loop reading breaks down at U = 1e6
    assert "error" not in rows[0] and rows[0]["loss"] > 0
    assert rows[1]["error"].startswith("FlowError") and "loss" not in rows[1]
    text = sweep_mod.to_text(rows, "csv")
    assert sweep_mod.from_text(text, "csv")[1]["loss"] is None


def test_parse_values_and_bad_input():
    assert sweep_mod.parse_values("0:0.1:3", "U") == [0.0, 0.05, 0.1]
    assert sweep_mod.parse_values("1:100:3", "kappa") == pytest.approx([1.0, 10.0, 100.0])
    assert sweep_mod.parse_values("100:1000:3", "P") == [100, 316, 1000]
    assert sweep_mod.parse_values(None, "cutoff") == [None]
    with pytest.raises(ValueError, match="kappa"):
        sweep_mod.parse_values("1:x:3", "kappa")
    with pytest.raises(ValueError, match="kappa"):
        rgflow.sweep(alpha=0.2, beta=0.3, P=100, kappa=[1, -1])
    with pytest.raises(ValueError, match="method"):
        rgflow.sweep(alpha=0.2, beta=0.3, P=100, kappa=1, method="nope")
    with pytest.raises(ValueError, match="P_new"):
        rgflow.sweep(alpha=0.2, beta=0.3, P=100, kappa=1, observable="transfer")
    with pytest.raises(ValueError, match="workers"):
        rgflow.sweep(alpha=0.2, beta=0.3, P=100, kappa=1, workers=0)
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["sweep", "--alpha", "0.2", "--beta", "0.3", "--P", "100", "--kappa", "1", "--resume"]) == 2


def test_rgflow_sweep_is_the_function_in_either_import_order():
    code = (
        "import inspect, rgflow\n"
        "assert inspect.isfunction(rgflow.sweep)\n"
        "import rgflow.sweep\n"
        "assert inspect.isfunction(rgflow.sweep)\n"
    )
    other = (
        "import rgflow.sweep, rgflow\n"
        "assert rgflow.sweep(alpha=0.2, beta=0.3, P=100, kappa=1.0, method='gp')[0]['P'] == 100\n"
    )
    for c in (code, other):
        proc = subprocess.run([sys.executable, "-c", c], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
