"""Writing rgflow's outputs without damaging anything, and the text formats of its exports (JSON, CSV).

* :func:`write_output` / :func:`atomic_write`: a regular file is replaced atomically (a temporary in
  the same folder, fsync, rename); a device, FIFO or terminal is written through (never renamed
  over); a symlink is followed and kept; ``-`` (or None) is standard output. A failed write is an
  OSError naming the file.
* Temporaries are named ``.NAME.XXXXXXXX.rgflow-PID@HOST.tmp``; every atomic write first removes
  the stale ones in its folder (their writer, a process of this host, is dead: killed by SIGKILL).
* :func:`handle_signals`: SIGINT and SIGTERM raise :class:`Interrupted` (a KeyboardInterrupt), but
  never while a temporary is being created or removed, so an interrupted write leaves no temporary.
* :func:`say`: progress and messages on stderr that never abort a computation (full or closed stderr).
"""
from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import signal
import socket
import stat
import sys
import tempfile
import threading

__all__ = ["atomic_write", "write_output", "say", "handle_signals", "Interrupted", "clean_stale_temporaries",
           "to_json", "to_csv"]


# --------------------------------------------------------------------------- signals
class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM received; ``signum`` is the signal, ``exit_status`` = 128 + signum (130, 143)."""

    def __init__(self, signum):
        super().__init__(f"{'terminated' if signum == signal.SIGTERM else 'interrupted'} "
                         f"({signal.Signals(signum).name})")
        self.signum = int(signum)
        self.exit_status = 128 + int(signum)


_defer = {"depth": 0, "pending": None}


def _on_signal(signum, frame):
    if _defer["depth"] > 0:          # inside a temporary's creation or removal: raise right after it
        _defer["pending"] = signum
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def _deferred():
    """Hold back Interrupted (raised by :func:`handle_signals`' handler) until the block is done."""
    _defer["depth"] += 1
    try:
        yield
    finally:
        _defer["depth"] -= 1
        pending = _defer["pending"]
        if _defer["depth"] == 0 and pending is not None:
            _defer["pending"] = None
            raise Interrupted(pending)


def handle_signals(signums=(signal.SIGINT, signal.SIGTERM)):
    """Make SIGINT and SIGTERM raise :class:`Interrupted` (exit status 128 + signum); return a
    function that restores the previous handlers.

    Only in the main thread, and not for a signal the parent set to be ignored (``nohup``, ``&``).
    """
    saved = {}
    if threading.current_thread() is threading.main_thread():
        for sig in signums:
            old = signal.getsignal(sig)
            if old is not signal.SIG_IGN:
                saved[sig] = old
                signal.signal(sig, _on_signal)

    def restore():
        for sig, old in saved.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
    return restore


# --------------------------------------------------------------------------- messages
def say(message: str, stream=None, end: str = "\n") -> bool:
    """Write ``message`` and ``end`` to stderr (or ``stream``), flushed; True if it was written.

    A full device, a closed pipe or a closed stream is ignored (returns False): a progress line or a
    warning must never abort the computation it reports on.
    """
    out = sys.stderr if stream is None else stream
    if out is None:
        return False
    try:
        out.write(message + end)
        out.flush()
        return True
    except (OSError, ValueError):   # ENOSPC, EPIPE, EBADF; ValueError: I/O operation on closed file
        return False


# --------------------------------------------------------------------------- temporaries
def _host():
    return re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:40] or "host"


_TMP_RE = re.compile(r"^\..*\.[A-Za-z0-9_]{8}\.rgflow-(?P<pid>[0-9]{1,10})@(?P<host>[A-Za-z0-9.-]*)\.tmp$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True      # another user's process (or unknowable): leave its file alone
    return True


def clean_stale_temporaries(folder) -> list:
    """Remove the temporaries of rgflow's naming in ``folder`` whose writer (same host) is dead.

    A writer killed by SIGKILL cannot remove its temporary; the next write to the folder does.
    Returns the names removed. Files of any other naming are never touched.
    """
    removed = []
    host = _host()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TMP_RE.match(entry.name)
        if m is None or m["host"] != host or _alive(int(m["pid"])):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            os.unlink(entry.path)
            removed.append(entry.name)
        except OSError:
            pass     # removed by another process meanwhile, or not ours to remove
    return removed


# --------------------------------------------------------------------------- writing
def _write_all(fd, data: bytes, name) -> None:
    view = memoryview(data)
    try:
        while view:
            n = os.write(fd, view)
            view = view[n:]
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(name)) from None


def _stdout(data) -> None:
    """Write to sys.stdout; through its file descriptor when it has one (the buffered file object can
    drop data silently after a partial write to a closed pipe)."""
    out = sys.stdout
    if out is None:
        raise OSError(errno.EBADF, "standard output is closed", "<stdout>")
    try:
        fd = None
        if out is sys.__stdout__:   # the process's own stdout; a replaced stream (captured, a notebook) is written to
            try:
                fd = out.fileno()
            except (AttributeError, OSError, ValueError):
                fd = None
        if fd is not None:
            out.flush()
            if isinstance(data, str):
                data = data.encode(getattr(out, "encoding", None) or "utf-8", getattr(out, "errors", None) or "strict")
            _write_all(fd, data, "<stdout>")
        elif isinstance(data, str):
            out.write(data)
            out.flush()
        else:
            buf = getattr(out, "buffer", None)
            if buf is None:
                raise OSError(errno.EINVAL, "standard output does not take bytes", "<stdout>")
            buf.write(data)
            buf.flush()
    except ValueError:   # I/O operation on a closed file object
        raise OSError(errno.EBADF, "standard output is closed", "<stdout>") from None
    except OSError as exc:
        if exc.filename == "<stdout>":
            raise
        raise OSError(exc.errno, exc.strerror, "<stdout>") from None


def write_output(path, data) -> None:
    """Write ``data`` (str or bytes) to ``path``: stdout for None or ``"-"``, else :func:`atomic_write`."""
    if path is None or str(path) == "-":
        _stdout(data)
    else:
        atomic_write(path, data)


def atomic_write(path, data) -> None:
    """Write ``data`` (str or bytes, UTF-8) to ``path`` without damaging what is there.

    A regular (or new) file is replaced atomically: a temporary ``.NAME.XXXXXXXX.rgflow-PID@HOST.tmp``
    in the same folder (stale ones of dead writers are removed first), written, fsynced, given the
    permissions of the file it replaces, then renamed over it; on any failure the old file stays and
    the temporary is removed. A symlink is followed (its target is replaced, the link kept). A
    character or block device, FIFO or socket is written through directly. ``"-"``: stdout. A failed
    write (ENOSPC, EPIPE, ...) raises OSError with ``filename`` = ``path``.
    """
    if str(path) == "-":
        _stdout(data)
        return
    name = os.fspath(path)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        st = os.stat(name)                   # the kernel follows every link, /proc/self/fd/N included
    except FileNotFoundError:
        st = None                            # a new file, or a link to one
    except OSError as exc:                   # ELOOP, EACCES, ENOTDIR ...
        raise OSError(exc.errno, exc.strerror, name) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", name)
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_through(name, payload, name)
        return
    target = os.path.realpath(name)          # follows every symlink; the link itself stays
    if st is not None:
        try:
            same = os.path.samestat(st, os.stat(target))
        except OSError:
            same = False
        if not same:   # a regular file behind a link the path cannot name (/dev/stdout > file): as the shell
            _write_through(name, payload, name, truncate=True)
            return
    folder = os.path.dirname(target) or "."
    clean_stale_temporaries(folder)
    if st is not None:   # the permissions of the file it replaces, else those of a new file (not 0600)
        perm = st.st_mode & 0o7777
    else:
        umask = os.umask(0)
        os.umask(umask)
        perm = 0o666 & ~umask
    base = os.path.basename(target)[:120]
    fd, tmp = -1, None
    try:
        with _deferred():
            try:
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{base}.",
                                           suffix=f".rgflow-{os.getpid()}@{_host()}.tmp")
            except OSError as exc:   # name the file asked for, not the temporary
                raise OSError(exc.errno, exc.strerror, name) from None
        if st is not None and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            with contextlib.suppress(OSError):   # keep the owner where allowed (root, or a group of ours)
                os.fchown(fd, st.st_uid, st.st_gid)
        os.fchmod(fd, perm)
        _write_all(fd, payload, name)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, target)
    except BaseException:
        with _deferred():
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if tmp is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        raise


def _write_through(target, payload: bytes, name, truncate=False) -> None:
    """Devices, FIFOs, terminals: open the existing node for writing (no create, no rename; no truncate
    unless asked, for a regular file reached only through /proc/self/fd)."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | (os.O_TRUNC if truncate else 0))
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, name) from None
    try:
        _write_all(fd, payload, name)
    finally:
        os.close(fd)


def _strict(obj):
    """NaN and ±inf -> None (JSON null): Python's NaN/Infinity tokens are not JSON and break strict parsers."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    return obj


def to_json(obj) -> str:
    """Compact, strict JSON (non-finite numbers written as null)."""
    return json.dumps(_strict(obj), indent=None, separators=(",", ":"), allow_nan=False) + "\n"


def _cell(v) -> str:
    """A CSV cell: strings as they are, numbers as repr(float) (nan/inf spelled as Python does)."""
    return v if isinstance(v, str) else repr(float(v))


def to_csv(header: dict, columns: dict) -> str:
    """``# key=value`` comment lines for the metadata, then one row per index of the columns."""
    lines = ["# " + " ".join(f"{k}={v}" for k, v in header.items())]
    names = list(columns)
    lines.append(",".join(names))
    n = len(columns[names[0]]) if names else 0
    for i in range(n):
        lines.append(",".join(_cell(columns[c][i]) for c in names))
    return "\n".join(lines) + "\n"
