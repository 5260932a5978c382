"""Killing rgflow mid-write (issue 18 item 6/8): SIGKILL leaves every previous file intact and the next
write to the folder removes the partial temporary; SIGTERM leaves no temporary at all and exits 143;
concurrent runs into one folder leave only complete files.

To kill *during* a write deterministically, the child runs rgflow's CLI with ``_io._write_all``
wrapped: it writes the first half of the temporary, creates a marker file, and waits. The test kills
it once the marker is there. The slow tests kill real, unhooked runs at random times.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SURFACE = [
    "surface",
    "--alpha",
    "0.2",
    "--beta",
    "0.3",
    "--kappa",
    "3.98",
    "--P",
    "10:2000:40",
    "--cutoff",
    "10:2000:40",
    "--method",
    "gp",
]

HOOK = r"""
import os, sys, time
import rgflow._io as io
marker, where = os.environ["RGFLOW_TEST_MARKER"], os.environ["RGFLOW_TEST_WHERE"]
real = io._write_all

def stall():
    open(marker, "w").close()
    time.sleep(120)

def write_all(fd, data, name):
    half = len(data) // 2
    real(fd, data[:half], name)
    stall()
    real(fd, data[half:], name)

if where == "write":
    io._write_all = write_all
else:                                   # stall inside the computation, before anything is written
    import rgflow.surface as s
    s.loss_surface = lambda *a, **k: stall()
from rgflow.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _default_signals():
    """As from an interactive shell: a background test run (``pytest &``) inherits SIGINT ignored, and
    rgflow rightly leaves an ignored signal ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _hooked(argv, tmp_path, where="write"):
    marker = tmp_path.parent / f"{tmp_path.name}.marker"
    env = {**os.environ, "RGFLOW_TEST_MARKER": str(marker), "RGFLOW_TEST_WHERE": where}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOOK, *argv],
        cwd=ROOT,
        env=env,
        preexec_fn=_default_signals,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the child never reached the write: {proc.communicate()}")
        time.sleep(0.02)
    return proc


def _rgflow(*argv):
    return subprocess.run([sys.executable, "-m", "rgflow", *argv], cwd=ROOT, capture_output=True, text=True)


def _previous(folder):
    """Files a previous run left: their bytes, to compare after the kill."""
    folder.mkdir(exist_ok=True)
    old = {"s.json": b'{"old": true}\n', "keep.txt": b"not rgflow's\n", ".hidden.tmp": b"someone else's\n"}
    for name, data in old.items():
        (folder / name).write_bytes(data)
    return old


def _temporaries(folder):
    return sorted(p.name for p in folder.iterdir() if ".rgflow-" in p.name)


def test_sigkill_mid_surface_write_then_next_run_cleans(tmp_path):
    out = tmp_path / "out"
    old = _previous(out)
    proc = _hooked([*SURFACE, "--out", str(out / "s.json")], tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert {n: (out / n).read_bytes() for n in old} == old  # every previous file intact
    assert len(_temporaries(out)) == 1  # SIGKILL cannot clean up ...
    done = _rgflow(*SURFACE, "--out", str(out / "other.json"))
    assert done.returncode == 0, done.stderr
    assert _temporaries(out) == []  # ... the next write does
    assert sorted(os.listdir(out)) == sorted([*old, "other.json"])
    assert {n: (out / n).read_bytes() for n in old} == old


@pytest.mark.parametrize("where", ["write", "compute"])
def test_sigterm_leaves_no_temporary(tmp_path, where):
    out = tmp_path / "out"
    old = _previous(out)
    proc = _hooked([*SURFACE, "--out", str(out / "s.json")], tmp_path, where)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert err == "rgflow: error: terminated (SIGTERM)\n"
    assert sorted(os.listdir(out)) == sorted(old)
    assert {n: (out / n).read_bytes() for n in old} == old


def test_sigint_is_130(tmp_path):
    out = tmp_path / "out"
    old = _previous(out)
    proc = _hooked([*SURFACE, "--out", str(out / "s.json")], tmp_path)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err == "rgflow: error: interrupted (SIGINT)\n"
    assert sorted(os.listdir(out)) == sorted(old)


def test_concurrent_runs_into_one_folder_leave_only_complete_files(tmp_path):
    """Two runs with different parameters write the same file (and one each of their own) at once."""
    argv = {k: SURFACE[:6] + [str(k), *SURFACE[7:]] for k in ("3.98", "40")}
    for _ in range(1):
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys; from rgflow.cli import main\n"
                    "for out in sys.argv[2:]:\n"
                    "    assert main([*sys.argv[1].split(), '--out', out]) == 0",
                    " ".join(a),
                    str(tmp_path / "same.json"),
                    str(tmp_path / f"own{k}.json"),
                    str(tmp_path / "same.json"),
                ],
                cwd=ROOT,
            )
            for k, a in argv.items()
        ]
        assert [p.wait(120) for p in procs] == [0, 0]
        assert sorted(os.listdir(tmp_path)) == ["own3.98.json", "own40.json", "same.json"]
        kappas = {
            json.loads((tmp_path / n).read_text())["params"]["kappa"]
            for n in ("same.json", "own3.98.json", "own40.json")
        }
        assert kappas == {3.98, 40.0}


@pytest.mark.slow
def test_sigkill_mid_figures_then_next_run_cleans(tmp_path):
    out = tmp_path / "figs"
    old = _previous(out)
    old.update({"fig4-transfer.png": b"old png", "fig4-transfer.pdf": b"old pdf"})
    for name, data in old.items():
        (out / name).write_bytes(data)
    proc = _hooked(["figures", "--out", str(out), "--only", "fig4"], tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert {n: (out / n).read_bytes() for n in old} == old and len(_temporaries(out)) == 1
    done = _rgflow("figures", "--out", str(out), "--only", "fig4")
    assert done.returncode == 0, done.stderr
    assert _temporaries(out) == []
    assert (out / "fig4-transfer.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "fig4-transfer.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.slow
def test_sigkill_at_random_times_never_damages_the_output(tmp_path):
    """Unhooked large surface writes killed at random moments: the file is the old one or a complete new
    one, never partial; after one more run no temporary is left."""
    import random

    big = SURFACE[:8] + ["10:20000:120", *SURFACE[9:10], "10:20000:120", *SURFACE[11:]]
    target = tmp_path / "s.csv"
    first = _rgflow(*big, "--format", "csv", "--out", str(target))
    assert first.returncode == 0, first.stderr
    complete = target.read_bytes()
    rnd = random.Random(7)
    for _ in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-m", "rgflow", *big, "--format", "csv", "--out", str(target)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rnd.uniform(0.2, 1.2))
        proc.kill()
        proc.wait()
        assert target.read_bytes() == complete  # identical input: old and new bytes are the same
    assert _rgflow(*SURFACE, "--out", str(tmp_path / "x.json")).returncode == 0
    assert _temporaries(tmp_path) == []
