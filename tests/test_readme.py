"""The README's Python examples run as written (so the page a newcomer reads first cannot go stale)."""

import re

import pytest

from conftest import ROOT


def _blocks():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("i", range(len(_blocks())))
def test_readme_example_runs(i, tmp_path, monkeypatch, capsys):
    code = _blocks()[i]
    if "sklearn" in code:
        pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"README.md block {i}", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert out.strip(), "every README example prints what it computes"
