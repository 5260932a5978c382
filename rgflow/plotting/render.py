"""Shared figure style and saving (PNG + PDF, written atomically). Imports matplotlib lazily."""

from __future__ import annotations

import io
import pathlib

PAPER_STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 200,
    "font.size": 9,
    "axes.labelsize": 10,
    "axes.titlesize": 10,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "lines.linewidth": 1.4,
    "lines.markersize": 4,
    "figure.constrained_layout.use": True,
}


def pyplot():
    """matplotlib.pyplot with the Agg backend and the paper style."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    matplotlib.rcdefaults()  # every figure starts from the same settings, whatever was drawn before
    plt.rcParams.update(PAPER_STYLE)
    return plt


#: per format: metadata without a timestamp (PNG carries none; PDF CreationDate, SVG Date dropped)
_METADATA: dict[str, dict] = {
    "png": {"Creator": "rgflow"},
    "pdf": {"Creator": "rgflow", "CreationDate": None},
    "svg": {"Creator": "rgflow", "Date": None},
}


def figure_bytes(fig, fmt) -> bytes:
    """``fig`` rendered as ``fmt`` ("png", "pdf" or "svg") into bytes that depend only on the figure.

    No timestamp (PDF ``CreationDate``, SVG ``Date``: None, whatever SOURCE_DATE_EPOCH says) and no
    random ids (SVG ids hashed with the fixed ``svg.hashsalt`` "rgflow" instead of a uuid4), so
    identical input gives identical files.
    """
    import matplotlib

    fmt = str(fmt).lower().lstrip(".")
    if fmt not in _METADATA:
        raise ValueError(f"fmt must be one of {', '.join(_METADATA)}, got {fmt!r}")
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "rgflow"}):
        fig.savefig(buf, format=fmt, metadata=dict(_METADATA[fmt]))
    return buf.getvalue()


def save_figure(fig, out_dir, name, formats=("png", "pdf")) -> list:
    """Write ``name.png`` and ``name.pdf`` (:func:`figure_bytes`) into ``out_dir`` atomically; return the paths."""
    from .._io import atomic_write

    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in formats:
        path = out / f"{name}.{ext}"
        atomic_write(path, figure_bytes(fig, ext))
        paths.append(path)
    fig.clf()
    import matplotlib.pyplot as plt

    plt.close(fig)
    return paths
