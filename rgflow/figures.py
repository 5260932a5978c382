"""``rgflow figures``: every figure of the project, by name, as PNG and PDF.

FIGURES maps a figure name (``figN-slug``) to ``module:function``; the function takes the output
folder and returns the written paths. Modules are imported only when their figure is made.
"""
from __future__ import annotations

import importlib
import importlib.util
import time

from ._io import say

FIGURES = {
    "fig1-cutoffs": "rgflow.field:figure_cutoffs",
    "fig2-flow-field": "rgflow.field:figure_flow_field",
    "fig3-predictor": "rgflow.figure_predictor:figure",
    "fig4-transfer": "rgflow.transfer:figure_transfer",
    "fig5-scaling-law": "rgflow.curves:figure_scaling_law",
    "fig6-transfer-map": "rgflow.transfer:figure_transfer_map",
    "fig7-scaling-interval": "rgflow.scaling:figure_scaling_interval",
    "fig8-kernel-ridge": "rgflow.krr:figure_kernel_ridge",
    "fig9-surface": "rgflow.surface:figure_surface",
    "fig10-dynamics": "rgflow.dynamics:figure_dynamics",
    "fig11-real-data": "rgflow.figure_real_data:figure",
}


def _available():
    out = {}
    for name, target in FIGURES.items():
        mod, fn = target.split(":")
        if importlib.util.find_spec(mod) is not None:
            out[name] = (mod, fn)
    return out


def make_figures(out_dir="figures", only=None) -> list:
    """Make the figures (all, or those whose names start with one of ``only``); return the paths."""
    avail = _available()
    names = list(avail)
    if only:
        def named(n, o):   # "fig1" names fig1-cutoffs, not fig10-dynamics
            return n == o or n.startswith(o + "-")

        unknown = [o for o in only if not any(named(n, o) for n in FIGURES)]
        if unknown:
            raise ValueError(f"only must name figures among {', '.join(FIGURES)}; unknown: {', '.join(unknown)}")
        names = [n for n in names if any(named(n, o) for o in only)]
    paths = []
    for name in names:
        mod, fn = avail[name]
        t0 = time.perf_counter()
        say(f"rgflow: making {name} ...")
        paths += getattr(importlib.import_module(mod), fn)(out_dir)
        say(f"rgflow: {name} done in {time.perf_counter() - t0:.1f} s")
    return paths
