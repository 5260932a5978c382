"""Every output names its ridge (issue 24 item 7): each subcommand's JSON says which ridge (or theory) produced
its numbers, also when it is the default. Small inputs; the ridge's name is read from ``params`` or a key."""

import json

import numpy as np
import pytest

from rgflow.cli import main

MODEL = ["--alpha", "0.2", "--beta", "0.3", "--kappa", "4"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("named")
    k = np.arange(1, 41.0)
    np.savez(d / "spec.npz", eigenvalues=k**-1.5, target=k**-1.0)
    (d / "curve.csv").write_text(
        "P,test_error\n" + "\n".join(f"{P},{0.5 * P**-0.4 + 0.01:.6f}" for P in (10, 20, 40, 80, 160, 320, 640)) + "\n"
    )
    x = np.linspace(0, 1, 30)
    np.save(d / "K.npy", np.exp(-((x[:, None] - x[None, :]) ** 2) / 0.1))
    np.save(d / "f.npy", np.sin(3 * x))
    return d


CASES = {
    "predict": (["predict", *MODEL, "--P", "50", "--method", "gp"], "bare"),
    "predict --spectrum": (
        ["predict", "--spectrum", "{d}/spec.npz", "--kappa", "1", "--P", "20", "--method", "gp"],
        "renormalized",
    ),
    "curve": (["curve", *MODEL, "--P", "50,100", "--method", "gp"], "bare"),
    "curve --ridge": (["curve", *MODEL, "--P", "50,100", "--method", "gp", "--ridge", "renormalized"], "renormalized"),
    "transfer": (["transfer", *MODEL, "--P", "200", "--U", "0.05", "--to-P", "100"], "bare"),
    "surface": (["surface", *MODEL, "--P", "50:200:3", "--cutoff", "50:200:3", "--method", "gp"], "bare"),
    "scaling": (["scaling", "--alpha", "1", "--beta", "1.5", "--P", "2000", "--kappa", "80", "--U", "0.05"], "bare"),
    "flow": (["flow", *MODEL, "--P", "100", "--U", "0.05"], "bare"),
    "dynamics": (["dynamics", *MODEL, "--P", "100", "--U", "0.05", "--shells", "2"], "bare"),
    "ridge": (["ridge", "--alpha", "0.5", "--beta", "0.5", "--P", "100", "--optimal"], "renormalized"),
    "krr": (
        ["krr", "--gram", "{d}/K.npy", "--target", "{d}/f.npy", "--P", "20", "--kappa", "1", "--no-krr"],
        "renormalized,pointwise,bare",
    ),
    "sweep": (["sweep", *MODEL, "--P", "50,100", "--method", "gp"], "bare"),
    "sweep --ridge": (["sweep", *MODEL, "--P", "50,100", "--method", "gp", "--ridge", "renormalized"], "renormalized"),
    "fit": (["fit", "--curve", "{d}/curve.csv", "--predict-P", "1000"], "renormalized"),
}


def _named(obj):
    """The ridge or theory an output names: params.ridge or params.theory; a sweep (a list of rows) names it in
    every row. (spectrum has no ridge: it makes no prediction.)"""
    if isinstance(obj, list):
        names = {row.get("ridge") for row in obj}
        return names.pop() if len(names) == 1 else names
    params = obj.get("params", {})
    return params.get("ridge", params.get("theory"))


@pytest.mark.parametrize("name", list(CASES))
def test_every_subcommand_names_its_ridge_in_json(name, files, capsys):
    argv, expect = CASES[name]
    assert main([a.format(d=files) for a in argv] + ["--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert _named(out) == expect
