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
MODULES = [
    "rgflow.model",
    "rgflow.spectrum",
    "rgflow.flow",
    "rgflow.predict",
    "rgflow.exact",
    "rgflow.results",
    "rgflow.curves",
    "rgflow.transfer",
    "rgflow.scaling",
    "rgflow.field",
    "rgflow.surface",
    "rgflow.dynamics",
    "rgflow.sweep",
    "rgflow.ridge",
    "rgflow.data",
    "rgflow.scalar",
    "rgflow.paper",
]

# public names that are data, not documented objects of their own
DATA = {"METHODS", "__version__"}
FUNCTIONS = {
    "flow",
    "flow_batch",
    "predict",
    "learning_curve",
    "transfer",
    "scaling_interval",
    "flow_field",
    "loss_surface",
    "dynamics",
    "sweep",
}


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
    elif name != "Result" and not issubclass(public(name), Exception):  # a class: parameters or fields
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


def _sections(path):
    """(heading, text) of each ## / ### section of a Markdown page."""
    import re

    parts = re.split(r"(?m)^(#{2,3} .*)$", path.read_text(encoding="utf-8"))
    return list(zip(parts[1::2], parts[2::2]))


@pytest.mark.parametrize("page, tables", [("validation.md", 5), ("performance.md", 1)])
def test_every_measured_table_names_the_command_that_reproduces_it(page, tables):
    """The measurement pages keep each number with its command: every section holding a table names a
    `python bench/....py` script (which exists) or an `rgflow` command."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    path = root / "docs" / page
    checked = 0
    for heading, text in [("", path.read_text(encoding="utf-8").split("\n## ")[0])] + _sections(path):
        if not re.search(r"(?m)^\|.*\|\s*$", text):
            continue
        checked += len(re.findall(r"(?m)^\|(\s*:?-+:?\s*\|)+\s*$", text))  # tables in the section
        scripts = re.findall(r"python (bench/[\w./]+\.py)", text)
        assert scripts or "`rgflow " in text, f"{page}: section {heading!r} has a table but names no command"
        for script in scripts:
            assert (root / script).is_file(), f"{page}: {script} does not exist"
    assert checked >= tables  # a table lost from the page fails here


def test_the_readme_is_a_front_door():
    """README: short, clone and enter first, the two set-up commands, the test command exactly as .ci/run."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    assert readme.index("git clone") < readme.index("cd rgflow") < readme.index("pip install")
    test_command = 'python -m pip install -e ".[test]" && python -m pytest -q'
    assert test_command in readme and test_command in ci
    assert 'python -m pip install -e ".[data]" && rgflow figures' in readme
