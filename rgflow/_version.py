"""The package version, in a module of its own so that no module needs the package ``__init__``.

0.2.0: ``predict(model, "rg")`` is the Hartree-resummed Wilsonian flow with the kept infrared theory
solved exactly; the plain one-loop reading that ``"rg"`` meant in 0.1 is ``"rg-1loop"`` (CHANGELOG.md).
"""

__version__ = "0.2.0"
