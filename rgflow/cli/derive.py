"""``rgflow derive``: regenerate the generated flow equations (source checkout)."""

from __future__ import annotations

from ._common import command


@command(
    "derive",
    help="regenerate rgflow/_equations.py and derivations/EQUATIONS.md (source checkout)",
    description="Run derivations/derive.py: derive the one-loop flow with sympy and write the generated "
    "module rgflow/_equations.py and the rendered derivations/EQUATIONS.md. Needs a source "
    "checkout (pip install -e .).",
    example="rgflow derive",
)
def run(ns):
    import importlib.util
    import pathlib

    script = pathlib.Path(__file__).resolve().parents[2] / "derivations" / "derive.py"
    if not script.exists():
        raise ValueError(
            "derivations/derive.py was not found next to the package: run from a source checkout (pip install -e .)"
        )
    spec = importlib.util.spec_from_file_location("rgflow_derivation", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.main()
