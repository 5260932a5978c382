"""``rgflow figures``: regenerate the figures."""

from __future__ import annotations

from ._common import command


def arguments(p):
    p.add_argument("--out", default="figures", help="output folder (default figures/)")
    p.add_argument("--only", default=None, help="comma-separated figure names or prefixes, e.g. fig3")


@command(
    "figures",
    help="regenerate the figures (PNG and PDF)",
    description="Make the figures of the paper and of the checks (PNG and PDF) into a folder.",
    example="rgflow figures --out figures --only fig2,fig5",
    arguments=arguments,
)
def run(ns):
    from ..plotting.figures import make_figures

    only = [s.strip() for s in ns.only.split(",") if s.strip()] if ns.only is not None else None
    if only is not None and not only:
        raise ValueError(f"--only must name at least one figure (e.g. fig3), got {ns.only!r}")
    make_figures(ns.out, only=only)
