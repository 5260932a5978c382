"""The documentation of the public API: every object of ``rgflow.__all__`` has a numpydoc docstring
(summary, Parameters, Returns, Raises, Examples) and the examples run (doctest)."""
import doctest
import importlib
import inspect
import pydoc
import types

import numpy as np
import pytest

import rgflow

# the modules whose docstrings hold the examples of the public API (each is run by doctest)
MODULES = ["rgflow.model", "rgflow.spectrum", "rgflow.flow", "rgflow.predict", "rgflow.exact", "rgflow.results",
           "rgflow.curves", "rgflow.transfer", "rgflow.scaling", "rgflow.field", "rgflow.surface",
           "rgflow.dynamics", "rgflow.sweep", "rgflow.ridge", "rgflow.data", "rgflow.paper"]

# public names that are data, not documented objects of their own
DATA = {"METHODS", "__version__"}
FUNCTIONS = {"flow", "flow_batch", "predict", "learning_curve", "transfer", "scaling_interval", "flow_field",
             "loss_surface", "dynamics", "sweep"}


def public(name):
    """The documented object: the function of a callable module (rgflow.flow, ...), and the function
    sweep also once ``import rgflow.sweep`` has bound the name to the module."""
    obj = getattr(rgflow, name)
    return getattr(obj, name) if isinstance(obj, types.ModuleType) else obj


@pytest.mark.parametrize("module", MODULES)
def test_doctests_run(module):
    mod = importlib.import_module(module)
    # plain reprs of numpy scalars (1.5, not np.float64(1.5)); numpy < 2 prints them plainly already
    legacy = "1.25" if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else False
    with np.printoptions(legacy=legacy):
        result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples of {module} failed"


@pytest.mark.parametrize("name", sorted(set(rgflow.__all__) - DATA))
def test_numpydoc_sections(name):
    doc = inspect.getdoc(public(name)) or ""
    summary = doc.split("\n\n")[0]
    assert summary and len(summary.splitlines()) <= 2, f"{name}: no short one-line summary"
    def has(section):
        return f"\n{section}\n{'-' * len(section)}\n" in doc

    assert has("Examples"), f"{name}: docstring has no Examples section"
    if name in FUNCTIONS:
        for section in ("Parameters", "Returns", "Raises"):
            assert has(section), f"{name}: docstring has no {section} section"
    elif name != "Result" and not issubclass(public(name), Exception):   # a class: parameters or fields
        assert has("Parameters") or has("Attributes"), f"{name}: docstring has no Parameters or Attributes"
    assert ">>> " in doc, f"{name}: no example"


@pytest.mark.parametrize("name", sorted(set(rgflow.__all__) - DATA))
def test_examples_are_in_tested_modules(name):
    obj = public(name)
    assert obj.__module__ in MODULES, f"{name} is defined in {obj.__module__}, whose doctests are not run"


def test_help_of_callable_modules_shows_the_function():
    for name in ("flow", "predict", "transfer", "dynamics"):
        text = pydoc.render_doc(getattr(rgflow, name), renderer=pydoc.plaintext)
        assert len(text.splitlines()) > 20
        fn = public(name)
        summary = inspect.getdoc(fn).splitlines()[0]
        assert f"    {name}(" in text and summary in text, f"help(rgflow.{name}) does not show the function {name}"
        assert "Parameters" in text and "Examples" in text, f"help(rgflow.{name}) does not show {fn.__name__}'s docs"
