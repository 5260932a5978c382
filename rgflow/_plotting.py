"""Shared figure style and saving (PNG + PDF, written atomically). Imports matplotlib lazily."""
from __future__ import annotations

import io
import pathlib

PAPER_STYLE = {
    "figure.dpi": 110, "savefig.dpi": 200, "font.size": 9, "axes.labelsize": 10, "axes.titlesize": 10,
    "legend.fontsize": 8, "legend.frameon": False, "axes.grid": True, "grid.alpha": 0.25,
    "lines.linewidth": 1.4, "lines.markersize": 4, "figure.constrained_layout.use": True,
}


def pyplot():
    """matplotlib.pyplot with the Agg backend and the paper style."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(PAPER_STYLE)
    return plt


def save_figure(fig, out_dir, name, formats=("png", "pdf")) -> list:
    """Write ``name.png`` and ``name.pdf`` into ``out_dir`` atomically; return the paths."""
    from ._io import atomic_write

    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in formats:
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, metadata={"Creator": "rgflow"} if ext == "png" else {"Creator": "rgflow", "CreationDate": None})
        path = out / f"{name}.{ext}"
        atomic_write(path, buf.getvalue())
        paths.append(path)
    fig.clf()
    import matplotlib.pyplot as plt

    plt.close(fig)
    return paths
