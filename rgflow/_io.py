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

__all__ = [
    "atomic_write",
    "write_output",
    "say",
    "handle_signals",
    "Interrupted",
    "clean_stale_temporaries",
    "to_json",
    "to_csv",
    "check_input_file",
    "read_text_input",
    "read_npy",
    "read_npz",
    "read_csv_numbers",
]


# --------------------------------------------------------------------------- signals
class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM received; ``signum`` is the signal, ``exit_status`` = 128 + signum (130, 143)."""

    def __init__(self, signum):
        super().__init__(
            f"{'terminated' if signum == signal.SIGTERM else 'interrupted'} ({signal.Signals(signum).name})"
        )
        self.signum = int(signum)
        self.exit_status = 128 + int(signum)


_defer = {"depth": 0, "pending": None}


def _on_signal(signum, frame):
    if _defer["depth"] > 0:  # inside a temporary's creation or removal: raise right after it
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
    except (OSError, ValueError):  # ENOSPC, EPIPE, EBADF; ValueError: I/O operation on closed file
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
        return True  # another user's process (or unknowable): leave its file alone
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
            pass  # removed by another process meanwhile, or not ours to remove
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
        if out is sys.__stdout__:  # the process's own stdout; a replaced stream (captured, a notebook) is written to
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
    except ValueError:  # I/O operation on a closed file object
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
        st = os.stat(name)  # the kernel follows every link, /proc/self/fd/N included
    except FileNotFoundError:
        st = None  # a new file, or a link to one
    except OSError as exc:  # ELOOP, EACCES, ENOTDIR ...
        raise OSError(exc.errno, exc.strerror, name) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", name)
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_through(name, payload, name)
        return
    target = os.path.realpath(name)  # follows every symlink; the link itself stays
    if st is not None:
        try:
            same = os.path.samestat(st, os.stat(target))
        except OSError:
            same = False
        if not same:  # a regular file behind a link the path cannot name (/dev/stdout > file): as the shell
            _write_through(name, payload, name, truncate=True)
            return
    folder = os.path.dirname(target) or "."
    clean_stale_temporaries(folder)
    if st is not None:  # the permissions of the file it replaces, else those of a new file (not 0600)
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
                fd, tmp = tempfile.mkstemp(
                    dir=folder, prefix=f".{base}.", suffix=f".rgflow-{os.getpid()}@{_host()}.tmp"
                )
            except OSError as exc:  # name the file asked for, not the temporary
                raise OSError(exc.errno, exc.strerror, name) from None
        if st is not None and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            with contextlib.suppress(OSError):  # keep the owner where allowed (root, or a group of ours)
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
    """A CSV cell: strings as they are, integers as integers, other numbers as repr(float) (nan/inf
    spelled as Python does), None as an empty cell."""
    import numbers

    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return str(int(v))
    return repr(float(v))


def _text(v) -> str:
    """A header value: integers as integers, floats by repr, text on one line, quoted if it has blanks."""
    import numbers

    text = _cell(v) if isinstance(v, numbers.Real) and not isinstance(v, bool) else str(v)
    text = " ".join(text.split())  # one line
    return f"'{text}'" if " " in text and not text.startswith("'") else text


def to_csv(header: dict, columns: dict, extra=None) -> str:
    """One ``# key=value ...`` comment line for the metadata (the header, then the entries of ``extra``:
    every further scalar of the JSON form), then the column names and one row per index of the
    columns. Entries whose value is None are left out (the JSON's null has no CSV spelling)."""
    items = [*header.items(), *(extra or {}).items()]
    lines = ["# " + " ".join(f"{k}={_text(v)}" for k, v in items if v is not None)]
    names = list(columns)
    lines.append(",".join(names))
    n = len(columns[names[0]]) if names else 0
    for i in range(n):
        lines.append(",".join(_cell(columns[c][i]) for c in names))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reading (untrusted files)
#: the limits every input file is read against (checked on the declared sizes, before reading)
MAX_INPUT_ELEMENTS = 10**8  # numbers in one array (0.8 GB as float64)
MAX_TEXT_BYTES = 2**28  # 256 MiB of a text (CSV, JSON) input
MAX_HEADER_BYTES = 2**16  # the header of a .npy array (NumPy writes < 4 KiB)
MAX_META_BYTES = 2**20  # the meta string of a spectrum .npz
NUMERIC_KINDS = "fiu"  # float and integer arrays; bool, complex, strings, objects, records refused
_KIND_NAMES = {
    "b": "bool",
    "c": "complex",
    "U": "string",
    "S": "bytes",
    "O": "object",
    "V": "structured (record)",
    "M": "datetime",
    "m": "timedelta",
}


def check_input_file(path, what) -> str:
    """The path of an input file that exists, is a regular file and can be opened for reading;
    otherwise ValueError naming ``what`` and why (not found, a directory, a FIFO or device, no
    permission). A FIFO is refused before it is opened (opening one blocks until a writer comes)."""
    name = os.fspath(path)
    if not str(name).strip():
        raise ValueError(f"{what} must name a file, got {name!r}")
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise ValueError(f"{what}: file not found: {name}") from None
    except OSError as exc:
        raise ValueError(f"{what} {name}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{what} {name}: is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device"
        raise ValueError(f"{what} {name}: is {kind}, not a regular file")
    try:
        with open(name, "rb"):
            pass
    except OSError as exc:
        raise ValueError(f"{what} {name}: cannot read it ({exc.strerror or exc})") from None
    return name


def read_text_input(path, what, max_bytes=MAX_TEXT_BYTES) -> str:
    """The UTF-8 text of an input file of at most ``max_bytes`` (its size checked before reading)."""
    name = check_input_file(path, what)
    size = os.stat(name).st_size
    if size > max_bytes:
        raise ValueError(f"{what} {name}: {size} bytes exceeds the limit of {max_bytes} bytes for a text input")
    try:
        with open(name, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ValueError(f"{what} {name}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise ValueError(f"{what} {name}: exceeds the limit of {max_bytes} bytes for a text input")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} {name}: not a UTF-8 text file (byte {exc.start})") from None


def _npy_header(fp, where):
    """(dtype, shape, fortran_order) of the .npy stream ``fp``, its header read and parsed with bounds
    (never NumPy's own reader, whose errors suggest allow_pickle and whose header size is unbounded
    before NumPy 1.24)."""
    import ast

    import numpy as np

    magic = fp.read(8)
    if len(magic) < 8 or magic[:6] != b"\x93NUMPY":
        raise ValueError(f"{where}: not a .npy array (no NumPy header)")
    major = magic[6]
    if major not in (1, 2, 3):
        raise ValueError(f"{where}: unknown .npy format version {major}")
    size_bytes = 2 if major == 1 else 4
    raw = fp.read(size_bytes)
    if len(raw) < size_bytes:
        raise ValueError(f"{where}: truncated .npy header")
    hlen = int.from_bytes(raw, "little")
    if hlen > MAX_HEADER_BYTES:
        raise ValueError(f"{where}: the .npy header declares {hlen} bytes, more than the limit {MAX_HEADER_BYTES}")
    text = fp.read(hlen)
    if len(text) < hlen:
        raise ValueError(f"{where}: truncated .npy header")
    try:
        header = ast.literal_eval(text.decode("utf-8" if major == 3 else "latin1"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        raise ValueError(f"{where}: unreadable .npy header") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError(f"{where}: unreadable .npy header (keys descr, fortran_order, shape expected)")
    descr, shape, fortran = header["descr"], header["shape"], header["fortran_order"]
    if (
        not isinstance(shape, tuple)
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        or not isinstance(fortran, bool)
    ):
        raise ValueError(f"{where}: unreadable .npy header (bad shape or order)")
    if not isinstance(descr, str):
        raise ValueError(f"{where}: holds a structured (record) array; expected plain numbers")
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: unknown array type {descr[:40]!r}") from None
    return dtype, shape, fortran


def _read_npy_stream(fp, where, *, kinds=NUMERIC_KINDS, max_elements=MAX_INPUT_ELEMENTS):
    """The array of a .npy stream, its header checked (type of ``kinds``, at most ``max_elements``)
    before the data is read; a string array is returned as str."""
    import numpy as np

    dtype, shape, fortran = _npy_header(fp, where)
    if dtype.kind not in kinds or dtype.hasobject:
        kind = _KIND_NAMES.get(dtype.kind, dtype.str)
        want = "numbers (float or integer)" if kinds == NUMERIC_KINDS else "a string"
        raise ValueError(f"{where}: holds {kind} values ({dtype.str}); expected {want}")
    count = math.prod(shape)
    if count > max_elements:
        raise ValueError(f"{where}: declares {count} values (shape {shape}), more than the limit {max_elements}")
    nbytes = count * dtype.itemsize
    data = fp.read(nbytes)
    if len(data) < nbytes:
        raise ValueError(f"{where}: truncated (the header declares {nbytes} bytes of data, found {len(data)})")
    arr = np.frombuffer(data, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")
    if dtype.kind == "U":
        return str(arr[()]) if arr.ndim == 0 else arr.astype(str)
    return arr.astype(float)


def read_npy(path, what, *, max_elements=MAX_INPUT_ELEMENTS):
    """The numeric array of a .npy file; ValueError naming ``what`` for anything else (not an array,
    a truncated one, bool/complex/string/record types, more than ``max_elements`` values)."""
    name = check_input_file(path, what)
    try:
        with open(name, "rb") as fp:
            return _read_npy_stream(fp, f"{what} {name}", max_elements=max_elements)
    except OSError as exc:
        raise ValueError(f"{what} {name}: cannot read it ({exc.strerror or exc})") from None


def read_npz(path, what, required, optional=(), *, strings=(), max_elements=MAX_INPUT_ELEMENTS) -> dict:
    """The arrays ``required`` (and those of ``optional`` that are present) of a .npz archive, as a dict.

    Every member's declared size is checked before it is decompressed (a zip bomb is refused without
    inflating it), its header as in :func:`read_npy`; the members named in ``strings`` must hold one
    string (at most 1 MiB). A corrupt, truncated or empty archive is a ValueError naming ``what``.
    """
    import zipfile
    import zlib

    name = check_input_file(path, what)
    where = f"{what} {name}"
    out = {}
    try:
        with zipfile.ZipFile(name) as zf:
            members = {
                info.filename[:-4] if info.filename.endswith(".npy") else info.filename: info for info in zf.infolist()
            }
            missing = [k for k in required if k not in members]
            if missing:
                raise ValueError(
                    f"{where}: missing array(s) {', '.join(missing)} "
                    f"(found {', '.join(sorted(members))[:200] or 'none'})"
                )
            for key in (*required, *(k for k in optional if k in members)):
                info = members[key]
                limit = (MAX_META_BYTES if key in strings else max_elements * 8) + MAX_HEADER_BYTES + 16
                if info.file_size > limit:
                    raise ValueError(
                        f"{where}: member {key} declares {info.file_size} bytes uncompressed, "
                        f"more than the limit {limit}"
                    )
                with zf.open(info) as fp:
                    if key in strings:
                        value = _read_npy_stream(fp, f"{where} [{key}]", kinds="U", max_elements=MAX_META_BYTES // 4)
                        if not isinstance(value, str):
                            raise ValueError(f"{where} [{key}]: expected one string")
                    else:
                        value = _read_npy_stream(fp, f"{where} [{key}]", max_elements=max_elements)
                out[key] = value
    except ValueError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        OSError,
        KeyError,
        IndexError,
        OverflowError,
    ) as exc:
        raise ValueError(f"{where}: not a readable .npz archive ({type(exc).__name__}: {str(exc)[:120]})") from None
    return out


def read_csv_numbers(path, what, *, max_bytes=MAX_TEXT_BYTES):
    """The numbers of a comma-separated text file (``#`` comment lines skipped) as a 2-D float array;
    ValueError naming ``what`` if it is not such a file, is larger than ``max_bytes`` (checked on its
    size, before reading) or holds a cell that is not a number."""
    import io

    import numpy as np

    name = check_input_file(path, what)
    text = read_text_input(name, what, max_bytes)
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        raise ValueError(f"{what} {name}: holds no numbers")
    try:
        with warnings_as_errors():
            arr = np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2, comments="#", dtype=float)
    except (ValueError, UserWarning, IndexError) as exc:
        reason = re.sub(
            r'"?<_io\.StringIO object at 0x[0-9a-f]+>"?', "the file", str(exc).splitlines()[0] if str(exc) else ""
        )
        raise ValueError(f"{what} {name}: not a CSV table of numbers ({reason[:160] or type(exc).__name__})") from None
    if arr.size == 0:
        raise ValueError(f"{what} {name}: holds no numbers")
    return arr


@contextlib.contextmanager
def warnings_as_errors():
    """numpy's "empty input file" and similar warnings of a reader raised, not printed."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        yield
