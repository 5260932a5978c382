"""docs/tutorial.md runs: every ```python block, in order, in one namespace, in a temporary folder
with the Agg backend (the figures it writes land there)."""

import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"


def python_blocks(text):
    """The bodies of the ```python fenced blocks, in order."""
    return re.findall(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, flags=re.S | re.M)


def test_blocks_are_found():
    blocks = python_blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert len(blocks) >= 10
    assert all(block.strip() for block in blocks)


def test_tutorial_runs(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")  # section 10 measures a spectrum on sklearn's digits
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    import matplotlib

    namespace = {"__name__": "__tutorial__"}
    with matplotlib.rc_context():  # a reader's fresh matplotlib, whatever earlier tests changed
        matplotlib.rcdefaults()
        for i, block in enumerate(python_blocks(TUTORIAL.read_text(encoding="utf-8")), 1):
            code = compile(block, f"{TUTORIAL.name}, python block {i}", "exec")
            exec(code, namespace)  # an exception or a failed assert names the block
    written = sorted(p.name for p in tmp_path.iterdir())
    for name in ("predictor.png", "cutoffs.png", "learning-curve.png", "flow-field.png", "transfer.png"):
        assert name in written and os.path.getsize(tmp_path / name) > 1000
    import matplotlib.pyplot as plt

    plt.close("all")
