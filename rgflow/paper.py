"""The paper's parameter sets, in one place.

Peraza Coppola, Helias and Ringel (arXiv 2510.25553) draw their predictor, transfer and
learning-curve figures on one power law and one ridge; every figure module, benchmark and test of
rgflow that says "the paper's parameters" takes them from here.

* ``ALPHA = 0.2``, ``BETA = 0.3``: λ_k = k^-(1+α), y_k² = k^-(1+β).
* ``P = 1000`` training samples, cutoff Λ = P.
* ``KAPPA = P / 100**1.2 = 3.98107...``: the ridge whose mass r = P/κ = 100^1.2 ≈ 251.2 makes the mode
  k* = 100 the learnability threshold, r λ_{k*} = 1. Printed with four digits, 3.981.
* ``U = 0.05``: the weak quartic coupling (u = U·P = 50).
* ``P_PRIME = 500``: the target size of the hyperparameter transfer P → P′ (figure 4) and the second
  cutoff Λ₁ of figure 1.

``PREDICTOR`` holds them as keyword arguments of :class:`rgflow.Model`; ``SPECTRUM`` the ones a
learning curve or a loss surface takes (no P, no U).

Examples
--------
>>> import rgflow
>>> from rgflow import paper
>>> model = rgflow.Model(**paper.PREDICTOR)
>>> print(f"kappa = {model.kappa:.4g}, r = {model.r:.1f}, k* = {model.r ** (1 / (1 + model.alpha)):.0f}")
kappa = 3.981, r = 251.2, k* = 100
"""

from __future__ import annotations

from typing import Any

__all__ = ["ALPHA", "BETA", "P", "KAPPA", "U", "P_PRIME", "PREDICTOR", "SPECTRUM", "kappa_for_threshold"]

ALPHA = 0.2
BETA = 0.3
P = 1000
U = 0.05
P_PRIME = 500


def kappa_for_threshold(P: float, k_star: float, alpha: float) -> float:
    """The ridge κ = P / k*^(1+α) whose mass r = P/κ puts the learnability threshold r λ_{k*} = 1 at
    the mode ``k_star`` (λ_k = k^-(1+α)).

    Examples
    --------
    >>> kappa_for_threshold(1000, 100, 0.2) == KAPPA
    True
    """
    return P / k_star ** (1.0 + alpha)


KAPPA = kappa_for_threshold(P, 100, ALPHA)

PREDICTOR: dict[str, Any] = {"alpha": ALPHA, "beta": BETA, "P": P, "kappa": KAPPA, "U": U}
SPECTRUM: dict[str, Any] = {"alpha": ALPHA, "beta": BETA, "kappa": KAPPA}
