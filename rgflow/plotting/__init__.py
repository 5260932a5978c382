"""Presentation: one module per figure (``figN_slug.figure(out_dir)``), a shared style, the registry.

Figures get their data only through the public computation functions (``rgflow.field``,
``rgflow.transfer``, ``rgflow.curves``, ...); no computation module imports this package.
``make_figures(out_dir, only)`` (in :mod:`rgflow.plotting.figures`) makes them by name.
Importing this package does not import matplotlib.
"""

from __future__ import annotations

from .figures import FIGURES, make_figures

__all__ = ["FIGURES", "make_figures"]
