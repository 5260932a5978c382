"""``rgflow figures``: every figure of the project, by name, as PNG and PDF.

FIGURES maps a figure name (``figN-slug``) to ``module:function``; the function takes the output
folder and returns the written paths. Modules are imported only when their figure is made, so a
new figure is one line here. Progress and the written paths go to stderr.
"""

from __future__ import annotations

import importlib
import importlib.util
import time

from .._draws import _one_blas_thread
from .._progress import say

FIGURES = {
    "fig1-cutoffs": "rgflow.plotting.fig1_cutoffs:figure",
    "fig2-flow-field": "rgflow.plotting.fig2_flow_field:figure",
    "fig3-predictor": "rgflow.plotting.fig3_predictor:figure",
    "fig4-transfer": "rgflow.plotting.fig4_transfer:figure",
    "fig5-scaling-law": "rgflow.plotting.fig5_scaling_law:figure",
    "fig6-transfer-map": "rgflow.plotting.fig6_transfer_map:figure",
    "fig7-scaling-interval": "rgflow.plotting.fig7_scaling_interval:figure",
    "fig8-kernel-ridge": "rgflow.plotting.fig8_kernel_ridge:figure",
    "fig9-surface": "rgflow.plotting.fig9_surface:figure",
    "fig10-dynamics": "rgflow.plotting.fig10_dynamics:figure",
    "fig11-real-data": "rgflow.plotting.fig11_real_data:figure",
    "fig12-network-modes": "rgflow.plotting.fig12_network_modes:figure",
    "fig13-network-curves": "rgflow.plotting.fig13_network_curves:figure",
    "fig14-network-real": "rgflow.plotting.fig14_network_real:figure",
}


_INSTALL = {"sklearn": "scikit-learn (pip install 'rgflow[data]')"}


def _available():
    out = {}
    for name, target in FIGURES.items():
        mod, fn = target.split(":")
        if importlib.util.find_spec(mod) is not None:
            out[name] = (mod, fn)
    return out


def make_figures(out_dir="figures", only=None) -> list:
    """Make the figures (all, or those named by ``only``) in ``out_dir``; return the written paths.

    Parameters
    ----------
    out_dir : str or path
        Output folder (created if missing).
    only : list of str, optional
        Figure names or their ``figN`` prefixes (``"fig1"`` is fig1-cutoffs, not fig10).

    Raises
    ------
    ValueError
        If ``only`` names no known figure.
    ImportError
        After making every other figure, if some needed an optional package that is missing
        (scikit-learn: ``pip install 'rgflow[data]'``); the message names the figures and the install.
    """
    avail = _available()
    names = list(avail)
    if only:

        def named(n, o):  # "fig1" names fig1-cutoffs, not fig10-dynamics
            return n == o or n.startswith(o + "-")

        unknown = [o for o in only if not any(named(n, o) for n in FIGURES)]
        if unknown:
            raise ValueError(f"only must name figures among {', '.join(FIGURES)}; unknown: {', '.join(unknown)}")
        names = [n for n in names if any(named(n, o) for o in only)]
    paths, missing = [], {}
    t_all = time.perf_counter()
    with _one_blas_thread():
        for i, name in enumerate(names, 1):
            mod, fn = avail[name]
            t0 = time.perf_counter()
            say(f"[{i}/{len(names)}] making {name} ...")
            try:
                made = getattr(importlib.import_module(mod), fn)(out_dir)
            except ImportError as exc:  # an optional dependency (scikit-learn): skip this figure, keep the others
                package = (exc.name or str(exc)).split(".")[0]
                missing[name] = _INSTALL.get(package, package)
                say(f"[{i}/{len(names)}] {name} skipped: needs {missing[name]}")
                continue
            say(f"[{i}/{len(names)}] {name} done in {time.perf_counter() - t0:.1f} s")
            for p in made:
                say(f"  wrote {p}")
            paths += made
    say(f"{len(paths)} files in {out_dir} ({time.perf_counter() - t_all:.1f} s)")
    if missing:
        need = sorted(set(missing.values()))
        raise ImportError(
            f"{', '.join(missing)} not made: install {' and '.join(need)} "
            f"(the other {len(names) - len(missing)} figures are in {out_dir})"
        )
    return paths
