"""Outputs that never damage the system (issue 18 items 1, 6): special files are written through, never
replaced; symlinks are kept; failed writes are one line and a non-zero exit; stale temporaries are
removed; signals leave no temporary; identical input gives identical bytes.

Every special file is made by the test in tmp_path (mknod, mkfifo, symlink), never the system's.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading

import pytest

from rgflow import _io
from rgflow.cli import main

ARGS = ["predict", "--alpha", "0.2", "--beta", "0.3", "--P", "20", "--kappa", "1", "--method", "gp"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")


def _expected(capsys):
    assert main(ARGS) == 0
    return capsys.readouterr().out.encode()


def _chardev(path, minor):
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))  # 1,3 = null, 1,7 = full
    return path


def _same_node(path, kind, rdev=None):
    st = os.lstat(path)
    assert kind(st.st_mode), f"{path} is no longer the special file it was"
    if rdev is not None:
        assert st.st_rdev == rdev


@root_only
def test_out_to_a_null_device_writes_through(tmp_path, capsys):
    dev = _chardev(tmp_path / "null", 3)
    assert main([*ARGS, "--out", str(dev)]) == 0
    _same_node(dev, stat.S_ISCHR, os.makedev(1, 3))
    assert sorted(os.listdir(tmp_path)) == ["null"]


@root_only
def test_out_to_a_full_device_is_one_line_and_nonzero(tmp_path, capsys):
    dev = _chardev(tmp_path / "full", 7)
    code = main([*ARGS, "--out", str(dev)])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and err.startswith("rgflow: error: ") and "No space left" in err
    _same_node(dev, stat.S_ISCHR, os.makedev(1, 7))
    assert sorted(os.listdir(tmp_path)) == ["full"]


def _reader(path, got, limit=None):
    with open(path, "rb") as fh:
        got.append(fh.read(limit) if limit else fh.read())


def test_out_to_a_fifo_writes_through(tmp_path, capsys):
    expected = _expected(capsys)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    t = threading.Thread(target=_reader, args=(fifo, got), daemon=True)
    t.start()
    assert main([*ARGS, "--out", str(fifo)]) == 0
    t.join(10)
    assert got == [expected]
    _same_node(fifo, stat.S_ISFIFO)
    assert sorted(os.listdir(tmp_path)) == ["fifo"]


def test_fifo_closed_by_its_reader_is_epipe(tmp_path, capsys):
    """The reader takes 10 bytes of a ~1 MB output and leaves: Broken pipe, one line, non-zero."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    t = threading.Thread(target=_reader, args=(fifo, got, 10), daemon=True)
    t.start()
    argv = [a if a != "20" else "20000" for a in ARGS]
    code = main([*argv, "--out", str(fifo)])
    t.join(10)
    err = capsys.readouterr().err
    assert code != 0 and len(got[0]) == 10
    assert err.count("\n") == 1 and err.startswith("rgflow: error: ") and "Broken pipe" in err
    _same_node(fifo, stat.S_ISFIFO)


def test_symlink_is_followed_and_kept(tmp_path, capsys):
    expected = _expected(capsys)
    real = tmp_path / "real.json"
    real.write_text("old\n")
    os.chmod(real, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to("real.json")
    chain = tmp_path / "chain.json"  # a link to a link
    chain.symlink_to("link.json")
    assert main([*ARGS, "--out", str(chain)]) == 0
    assert os.readlink(chain) == "link.json" and os.readlink(link) == "real.json"
    assert real.read_bytes() == expected and stat.S_IMODE(real.stat().st_mode) == 0o640
    dangling = tmp_path / "dangling.json"  # a link to a file not there yet: the file is created
    dangling.symlink_to("new.json")
    assert main([*ARGS, "--out", str(dangling)]) == 0
    assert os.readlink(dangling) == "new.json" and (tmp_path / "new.json").read_bytes() == expected
    assert sorted(os.listdir(tmp_path)) == ["chain.json", "dangling.json", "link.json", "new.json", "real.json"]


def test_symlink_to_a_device_writes_through(tmp_path, capsys):
    if os.geteuid() != 0:
        pytest.skip("mknod needs root")
    dev = _chardev(tmp_path / "null", 3)
    link = tmp_path / "out.json"
    link.symlink_to(dev)
    assert main([*ARGS, "--out", str(link)]) == 0
    assert os.path.islink(link)
    _same_node(dev, stat.S_ISCHR, os.makedev(1, 3))


def test_dash_is_stdout(capsys):
    expected = _expected(capsys)
    assert main([*ARGS, "--out", "-"]) == 0
    assert capsys.readouterr().out.encode() == expected


def test_closed_stdout_is_one_line_no_traceback():
    cmd = " ".join([sys.executable, "-m", "rgflow", *ARGS]) + " >&-"
    proc = subprocess.run(["sh", "-c", cmd], capture_output=False, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("rgflow: error: ")
    assert "standard output is closed" in proc.stderr


@root_only
def test_progress_to_a_full_stderr_does_not_abort(tmp_path):
    """langevin reports its progress on stderr; stderr is a full device: the result is still written."""
    dev = _chardev(tmp_path / "full", 7)
    out = tmp_path / "x.json"
    with open(dev, "w") as err:
        proc = subprocess.run(
            [sys.executable, "-m", "rgflow", *ARGS[:-1], "langevin", "--out", str(out)],
            stderr=err,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
    assert proc.returncode == 0
    assert out.read_text().startswith('{"method":"langevin"')


def test_say_survives_a_broken_stream():
    class Full:
        def write(self, text):
            raise OSError(28, "No space left on device")

        def flush(self):
            raise OSError(28, "No space left on device")

    class Closed:
        def write(self, text):
            raise ValueError("I/O operation on closed file.")

    assert _io.say("x", Full()) is False and _io.say("x", Closed()) is False


def test_stale_temporaries_of_dead_writers_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that is no longer running
    host = _io._host()
    stale = f".x.json.abcd1234.rgflow-{dead.pid}@{host}.tmp"
    live = f".x.json.efgh5678.rgflow-{os.getpid()}@{host}.tmp"
    other_host = f".x.json.ijkl9012.rgflow-{dead.pid}@elsewhere-{host}.tmp"
    foreign = [".x.json.abcd1234.tmp", "notes.tmp", ".rgflow-1@x.tmp"]
    for name in [stale, live, other_host, *foreign]:
        (tmp_path / name).write_text("partial")
    _io.atomic_write(tmp_path / "y.json", "{}\n")
    assert sorted(os.listdir(tmp_path)) == sorted([live, other_host, *foreign, "y.json"])


@pytest.mark.parametrize("when", ["mkstemp", "write"])
def test_sigterm_during_a_write_leaves_no_temporary(tmp_path, monkeypatch, when):
    """SIGTERM arriving right after the temporary is created (deferred past its bookkeeping) or while
    it is written: Interrupted (exit status 143), the old file intact, no temporary."""
    import tempfile

    out = tmp_path / "x.json"
    out.write_text("old\n")
    if when == "mkstemp":
        real = tempfile.mkstemp

        def mkstemp(*a, **kw):
            res = real(*a, **kw)
            os.kill(os.getpid(), signal.SIGTERM)
            return res

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    else:
        real = _io._write_all

        def write_all(fd, data, name):
            real(fd, data[:3], name)
            os.kill(os.getpid(), signal.SIGTERM)
            real(fd, data[3:], name)

        monkeypatch.setattr(_io, "_write_all", write_all)
    restore = _io.handle_signals()
    try:
        with pytest.raises(_io.Interrupted) as info:
            _io.atomic_write(out, "new content\n")
    finally:
        restore()
    assert info.value.exit_status == 143 and info.value.signum == signal.SIGTERM
    assert out.read_text() == "old\n" and sorted(os.listdir(tmp_path)) == ["x.json"]


def test_handlers_are_restored_and_ignored_signals_stay_ignored():
    before = signal.getsignal(signal.SIGTERM)
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        restore = _io.handle_signals()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # nohup / background job
        assert signal.getsignal(signal.SIGTERM) is _io._on_signal
        restore()
        assert signal.getsignal(signal.SIGTERM) == before
    finally:
        signal.signal(signal.SIGINT, old_int)


# --- identical input, identical bytes ------------------------------------------------------------
def _figure():
    from rgflow.plotting.render import pyplot

    plt = pyplot()
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [0, 1, 4], label="a")
    ax.legend()
    ax.set_title("x")
    return plt, fig


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_figure_bytes_are_deterministic(fmt, monkeypatch):
    from rgflow.plotting.render import figure_bytes

    plt, fig = _figure()
    first = figure_bytes(fig, fmt)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")  # a different "build date" changes nothing
    second = figure_bytes(fig, fmt)
    plt.close(fig)
    assert first == second and len(first) > 500
    for stamp in (b"CreationDate", b"<dc:date>", b"2009", b"Date"):
        assert stamp not in first


def test_every_savefig_goes_through_figure_bytes():
    import pathlib
    import re

    pkg = pathlib.Path(ROOT) / "rgflow"
    offenders = [
        f"{p.name}:{i + 1}"
        for p in sorted(pkg.rglob("*.py"))
        if p.name != "render.py"
        for i, line in enumerate(p.read_text().splitlines())
        if re.search(r"\.savefig\(", line)
    ]
    assert offenders == []


def test_field_svg_is_byte_identical_across_runs(tmp_path):
    """SVG ids come from uuid4 unless svg.hashsalt is fixed: two renders in one process differ."""
    ext = "svg"
    outs = []
    for i in range(2):
        out = tmp_path / f"f{i}.{ext}"
        assert main(["field", "--alpha", "0.2", "--n", "6", "--tau", "0", "--out", str(out)]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_dynamics_json_carries_no_timing(tmp_path, capsys):
    argv = [
        "dynamics",
        "--alpha",
        "0.2",
        "--beta",
        "0.3",
        "--P",
        "30",
        "--kappa",
        "3.98",
        "--U",
        "0.05",
        "--points",
        "8",
    ]
    texts = []
    for _ in range(2):
        assert main(argv) == 0
        texts.append(capsys.readouterr().out)
    assert texts[0] == texts[1] and '"seconds"' not in texts[0]


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="needs /proc/self/fd")
def test_out_through_a_proc_fd_link_writes_to_that_descriptor(tmp_path, capsys):
    """--out /dev/stdout: a link the path cannot name (pipe:[N]) or a shell-redirected file; the data
    goes through the descriptor, nothing is created beside it (a link of the test's own to fd 1)."""
    expected = _expected(capsys)
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    cmd = [sys.executable, "-m", "rgflow", *ARGS, "--out", str(link)]
    piped = subprocess.run(cmd, capture_output=True, cwd=ROOT)
    assert piped.returncode == 0 and piped.stdout == expected, piped.stderr
    redirected = tmp_path / "redirected.json"
    with open(redirected, "wb") as fh:
        fh.write(b"x" * 5000)  # longer than the output: truncated as by the shell
        fh.seek(0)
        assert subprocess.run(cmd, stdout=fh, cwd=ROOT).returncode == 0
    assert redirected.read_bytes() == expected
    assert os.readlink(link) == "/proc/self/fd/1"
    assert sorted(os.listdir(tmp_path)) == ["redirected.json", "stdout"]


def test_stdout_closed_by_its_reader_is_one_line_and_nonzero():
    """`rgflow predict … | head -c 10`: the buffered file object could drop the rest silently; the
    write goes through the descriptor, so the broken pipe is seen and reported."""
    argv = [a if a != "20" else "200000" for a in ARGS]
    proc = subprocess.Popen(
        [sys.executable, "-m", "rgflow", *argv], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert len(proc.stdout.read(10)) == 10
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(60) != 0
    assert err.count("\n") == 1 and err.startswith("rgflow: error: ") and "Broken pipe" in err


@root_only
def test_stdout_to_a_full_device_is_one_line_and_nonzero(tmp_path):
    dev = _chardev(tmp_path / "full", 7)
    with open(dev, "w") as out:
        proc = subprocess.run(
            [sys.executable, "-m", "rgflow", *ARGS], stdout=out, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "No space left" in proc.stderr
