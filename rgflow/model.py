"""The model of THEORY §1: power-law kernel regression as a field theory of discrepancies.

    λ_k = k^-(1+α),  y_k = k^-(1+β)/2,  r = P/κ,  u = U·P,  k = 1..Λ

    S[Δ] = Σ_k [ (y_k − Δ_k)² / (2λ_k) + r Δ_k² / 2 ] + (u/4) (Σ_k Δ_k²)²
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from numbers import Integral, Real

import numpy as np

__all__ = ["Model", "check_real", "check_int", "gaussian_coefficients", "gp_moments"]


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a finite float or raise ValueError naming ``name`` and the allowed range."""
    lo = "-inf" if low is None else repr(low)
    hi = "inf" if high is None else repr(high)
    allowed = f"{'(' if low is None or low_open else '['}{lo}, {hi}{')' if high is None or high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a real number in {allowed}, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number in {allowed}, got {value!r}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must lie in {allowed}, got {value!r}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must lie in {allowed}, got {value!r}")
    return v


def check_model(model) -> None:
    """Raise ValueError unless ``model`` is an rgflow.Model."""
    if not isinstance(model, Model):
        raise ValueError(f"model must be an rgflow.Model, got {type(model).__name__}")


def gaussian_coefficients(model) -> tuple:
    """(a_k, b_k) = (1/λ_k + r, y_k/λ_k): S = Σ_k (a_k Δ_k²/2 − b_k Δ_k) + (u/4)(Σ_k Δ_k²)² + const."""
    lam = model.eigenvalues()
    return 1.0 / lam + model.r, model.target() / lam


def gp_moments(model, r=None) -> tuple:
    """GP (U = 0) moments (⟨Δ_k⟩, Var Δ_k) = (y_k/(1 + rλ_k), λ_k/(1 + rλ_k)) at mass ``r``
    (default the model's r = P/κ; an array gives one mass per mode)."""
    lam = model.eigenvalues()
    d = 1.0 + (model.r if r is None else r) * lam
    return model.target() / d, lam / d


def check_int(name, value, *, low=1):
    """Return ``value`` as an int ≥ low (integral floats accepted) or raise ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if isinstance(value, Integral):
        v = int(value)
    elif isinstance(value, Real) and math.isfinite(float(value)) and float(value).is_integer():
        v = int(value)
    else:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if v < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return v


@dataclass(frozen=True)
class Model:
    """Power-law kernel regression with a weak quartic non-Gaussianity (THEORY §1).

    Parameters
    ----------
    alpha : float > 0      spectrum exponent, λ_k = k^-(1+α)
    beta : float > -1      target exponent, y_k² = k^-(1+β)
    P : int ≥ 1            training samples
    kappa : float > 0      ridge; the mass is r = P/κ
    U : float ≥ 0          quartic coupling; the action carries u = U·P
    cutoff : int ≥ 1       number of modes Λ (default P)
    """

    alpha: float
    beta: float
    P: int
    kappa: float
    U: float = 0.0
    cutoff: int | None = field(default=None)

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "alpha", check_real("alpha", self.alpha, low=0.0, low_open=True))
        set_(self, "beta", check_real("beta", self.beta, low=-1.0, low_open=True))
        set_(self, "P", check_int("P", self.P))
        set_(self, "kappa", check_real("kappa", self.kappa, low=0.0, low_open=True))
        set_(self, "U", check_real("U", self.U, low=0.0))
        cutoff = self.P if self.cutoff is None else check_int("cutoff", self.cutoff)
        set_(self, "cutoff", cutoff)

    # --- derived couplings -------------------------------------------------
    @property
    def r(self) -> float:
        """Mass r = P/κ."""
        return self.P / self.kappa

    @property
    def u(self) -> float:
        """Quartic coupling of the action, u = U·P."""
        return self.U * self.P

    @property
    def k(self) -> np.ndarray:
        """Mode indices 1..Λ as floats."""
        return np.arange(1, self.cutoff + 1, dtype=float)

    def eigenvalues(self, k=None) -> np.ndarray:
        """λ_k = k^-(1+α) (for k = 1..Λ: computed once, read-only)."""
        if k is None:
            return self._cached("_lam", lambda: self.k ** -(1.0 + self.alpha))
        return np.asarray(k, dtype=float) ** -(1.0 + self.alpha)

    def target(self, k=None) -> np.ndarray:
        """y_k = k^-(1+β)/2 (for k = 1..Λ: computed once, read-only)."""
        if k is None:
            return self._cached("_y", lambda: self.k ** (-(1.0 + self.beta) / 2.0))
        return np.asarray(k, dtype=float) ** (-(1.0 + self.beta) / 2.0)

    def _cached(self, name, make):
        arr = self.__dict__.get(name)
        if arr is None:
            arr = make()
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        return arr

    @property
    def params(self) -> dict:
        """The public parameters as a plain dict (alpha, beta, P, kappa, U, cutoff)."""
        return {"alpha": self.alpha, "beta": self.beta, "P": self.P,
                "kappa": self.kappa, "U": self.U, "cutoff": self.cutoff}

    def replace(self, **changes) -> "Model":
        """A copy with some parameters changed (validated again)."""
        unknown = sorted(set(changes) - set(self.params))
        if unknown:
            raise ValueError(f"replace takes the parameters {', '.join(self.params)}; got {unknown}")
        if "P" in changes and "cutoff" not in changes and self.cutoff == self.P:
            changes["cutoff"] = None  # a default cutoff follows P
        return replace(self, **changes)

    @classmethod
    def from_couplings(cls, alpha, beta, P, r, u, cutoff=None) -> "Model":
        """The model whose action carries mass r and quartic u: κ = P/r, U = u/P."""
        r = check_real("r", r, low=0.0, low_open=True)
        u = check_real("u", u, low=0.0)
        P = check_int("P", P)
        return cls(alpha, beta, P, P / r, u / P, cutoff)
