"""The one integration core (rgflow.scalar) against independent computations: mode-by-mode sums,
closed-form Gaussian integrals."""
import math

import numpy as np
import pytest

from rgflow import Measured, Model, PowerLaw
from rgflow import scalar


@pytest.mark.parametrize("params", [(0.2, 0.3, 10**6, 10**6 / 100**1.2, 0.05), (0.01, -0.9, 100000, 1.0, 0.01),
                                    (2.0, 1.0, 200000, 30.0, 0.5), (0.3, 0.8, 8193, 5.0, 0.05)])
def test_compressed_modes_sum_smooth_summands_like_every_mode(params):
    """Σ_j w_j f(k_j) against math.fsum over k = 1..Λ for summands of λ(k), y(k) like those of the
    weight (c, b²c², c³, b²c⁴ with c = 1/(1/λ + M)), to 1e-12 relative."""
    m = Model(*params)
    k, w = scalar.compressed_modes(m)
    assert np.all(w[:4096] == 1.0) and np.array_equal(k[:4096], np.arange(1.0, 4097.0))
    assert len(k) == 4096 + 4 * 256 + 4
    lam_all, y_all = m.eigenvalues(), m.target()
    lam_n, y_n = m.eigenvalues(k), m.target(k)
    for M in (m.r, 10 * m.r + 3.0):
        for f in (lambda lam, y: 1 / (1 / lam + M), lambda lam, y: (y / lam) ** 2 / (1 / lam + M) ** 2,
                  lambda lam, y: (1 / (1 / lam + M)) ** 3, lambda lam, y: (y / lam) ** 2 / (1 / lam + M) ** 4):
            ref = math.fsum(f(lam_all, y_all))
            assert float(w @ f(lam_n, y_n)) == pytest.approx(ref, rel=1e-12)


def test_compressed_modes_only_for_smooth_long_spectra():
    assert scalar.compressed_modes(Model(0.2, 0.3, 8192, 4.0, 0.05)) is None           # Λ ≤ 2·4096
    assert scalar.compressed_modes(Model(0.2, 0.3, 8193, 4.0, 0.05)) is not None
    measured = Measured(*PowerLaw(0.2, 0.3).modes(20000))
    assert scalar.compressed_modes(Model.from_spectrum(measured, 20000, 4.0, 0.05)) is None
    k, w = scalar.compressed_modes(Model(0.2, 0.3, 3000, 4.0, 0.05), explicit=100, bins=16)
    assert len(k) == 100 + 64 + 4 and k[-1] == 3001.0
    assert float(w.sum()) == pytest.approx(3000.0, rel=1e-13)     # f = 1 is summed exactly
