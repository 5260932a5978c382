"""Atomic writing and the text formats of rgflow's exports (JSON, CSV)."""
from __future__ import annotations

import errno
import json
import math
import os
import pathlib
import tempfile


def atomic_write(path, data) -> None:
    """Write ``data`` (str or bytes) to ``path`` through a temporary file and a rename."""
    path = pathlib.Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    mode = "wb" if isinstance(data, bytes) else "w"
    try:  # the permissions of the file it replaces, else those of a new file (mkstemp would give 0600)
        perm = path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        perm = 0o666 & ~umask
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:   # name the file asked for, not the temporary
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        os.fchmod(fd, perm)
        with os.fdopen(fd, mode) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


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
