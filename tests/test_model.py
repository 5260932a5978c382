import math

import numpy as np
import pytest

from rgflow import Model


def test_spectrum_and_couplings():
    m = Model(alpha=0.2, beta=0.3, P=10, kappa=2.0, U=0.05)
    k = np.arange(1, 11)
    assert m.cutoff == 10
    np.testing.assert_allclose(m.eigenvalues(), k**-1.2, rtol=1e-15)
    np.testing.assert_allclose(m.target() ** 2, k**-1.3, rtol=1e-14)
    assert m.r == 5.0 and math.isclose(m.u, 0.5)
    assert Model(0.2, 0.3, 10, 2.0, cutoff=20).cutoff == 20
    assert m.replace(P=20).cutoff == 20 and m.replace(P=20, cutoff=7).cutoff == 7


def test_from_couplings_round_trip():
    m = Model(0.2, 0.3, 500, 3.0, 0.1)
    back = Model.from_couplings(0.2, 0.3, 500, m.r, m.u)
    assert math.isclose(back.kappa, m.kappa) and math.isclose(back.U, m.U)


@pytest.mark.parametrize(
    "field,value",
    [
        ("alpha", 0.0),
        ("alpha", -1.0),
        ("alpha", float("nan")),
        ("beta", -1.0),
        ("beta", float("inf")),
        ("P", 0),
        ("P", 2.5),
        ("P", "10"),
        ("kappa", 0.0),
        ("kappa", -3.0),
        ("U", -0.1),
        ("cutoff", 0),
        ("alpha", True),
    ],
)
def test_bad_parameters_name_the_parameter(field, value):
    args = dict(alpha=0.2, beta=0.3, P=10, kappa=1.0, U=0.0)
    args[field] = value
    with pytest.raises(ValueError, match=field):
        Model(**args)


def test_model_is_immutable():
    m = Model(0.2, 0.3, 10, 1.0)
    with pytest.raises(Exception):
        m.alpha = 1.0
