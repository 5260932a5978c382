"""Kernel spectra: the eigenvalues λ_k and target coefficients y_k a :class:`~rgflow.model.Model` holds.

``PowerLaw(alpha, beta, A=1, B=1)``  λ_k = A k^-(1+α),  y_k² = B k^-(1+β),  y_k = +√(y_k²)
``Measured(eigenvalues, target, residual)``     arrays λ_1 ≥ λ_2 ≥ … > 0 and y_k (signs kept), k = 1..n,
                                    and the target power outside the n modes (an unlearnable floor)

Both give

* ``modes(n)``  the arrays (λ_k, y_k) on the integer modes k = 1..n (read-only),
* ``at(k)``     the continuous λ(k), y(k) for real k ≥ 1 that the continuum scheme integrates over
                (a measured spectrum is interpolated log–log between neighbouring modes: ln λ and
                ln y² are linear in ln k on [k, k+1]; beyond the last mode the last segment's slope
                is continued, which the hybrid scheme needs on (n, n + ½]; at integer k ``at``
                returns the array entries exactly). Only y² enters the flow; ``at`` returns
                y(k) = ±√(y²(k)) with the sign of the mode below.
* ``density(k)`` the number of modes per unit k (1: the modes are the integers).

The continuum flow is dr/dτ = k_c ρ(k_c) dr/dn with dr/dn from the generated ``continuum_shell``
evaluated at λ(k_c), y(k_c) (see :mod:`rgflow.flow`).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from ._checks import check_real

__all__ = ["Spectrum", "PowerLaw", "Measured", "check_spectrum"]


class Spectrum:
    """Base of the spectra: ``modes(n)``, ``at(k)``, ``density(k)``, ``n_modes`` (None = unbounded),
    ``residual`` (target power outside the modes; 0 unless measured)."""

    n_modes = None
    power_law = False
    residual = 0.0

    def density(self, k):
        """Modes per unit k: ρ(k) = 1."""
        return np.ones(np.shape(k)) if np.ndim(k) else 1.0

    def at(self, k):
        """(λ(k), y(k)) at real k ≥ 1 (each spectrum defines it)."""
        raise NotImplementedError

    def modes(self, n):
        """(λ_k, y_k) on the modes k = 1..n (each spectrum defines it)."""
        raise NotImplementedError

    @property
    def params(self) -> dict:
        """The spectrum's parameters (each spectrum defines them)."""
        raise NotImplementedError

    def require_power_law(self, what):
        """Raise ValueError unless this is a power law (``what`` names the closed form that needs one)."""
        if not self.power_law:
            raise ValueError(
                f"{what} is a closed form of the power-law spectrum; it cannot take a measured "
                "spectrum (use a method that reads the arrays: exact, gp, pt1, rg, rg-cutoff, "
                "mean-field, langevin)"
            )


@dataclass(frozen=True)
class PowerLaw(Spectrum):
    """The power-law spectrum λ_k = A k^-(1+α), y_k² = B k^-(1+β) (y_k > 0) of docs/theory.md §1.

    Parameters
    ----------
    alpha : float > -1
        Spectrum exponent (α ≤ 0 needs a finite cutoff, which a Model always has).
    beta : float > -1
        Target exponent.
    A, B : float > 0, optional
        Prefactors of λ_k and y_k² (default 1, the model of docs/theory.md §1).

    Raises
    ------
    ValueError
        If a parameter is not a finite number in its range.

    Examples
    --------
    >>> import rgflow
    >>> spec = rgflow.PowerLaw(alpha=0.2, beta=0.3, A=2.0)
    >>> lam, y = spec.at(2.0)                 # continuous λ(k), y(k) at real k
    >>> print(f"{lam:.5f} {y:.5f}")
    0.87055 0.63728
    >>> rgflow.Model.from_spectrum(spec, P=10, kappa=1.0).eigenvalues()[:2]
    array([2.        , 0.87055056])
    """

    alpha: float
    beta: float
    A: float = 1.0
    B: float = 1.0

    power_law = True

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "alpha", check_real("alpha", self.alpha, low=-1.0, low_open=True))
        set_(self, "beta", check_real("beta", self.beta, low=-1.0, low_open=True))
        set_(self, "A", check_real("A", self.A, low=0.0, low_open=True))
        set_(self, "B", check_real("B", self.B, low=0.0, low_open=True))

    def at(self, k):
        """(λ(k), y(k)) = (A k^-(1+α), √B k^-(1+β)/2) for real k."""
        k = np.asarray(k, dtype=float) if np.ndim(k) else float(k)
        lam = k ** -(1.0 + self.alpha)
        y = k ** (-(1.0 + self.beta) / 2.0)
        if self.A != 1.0:
            lam = self.A * lam
        if self.B != 1.0:
            y = math.sqrt(self.B) * y
        return lam, y

    def modes(self, n):
        """(λ_k, y_k) for k = 1..n (read-only arrays)."""
        lam, y = self.at(np.arange(1, n + 1, dtype=float))
        lam.flags.writeable = False
        y.flags.writeable = False
        return lam, y

    @property
    def params(self) -> dict:
        """alpha, beta (and A, B when they are not 1)."""
        out = {"alpha": self.alpha, "beta": self.beta}
        if self.A != 1.0 or self.B != 1.0:
            out.update(A=self.A, B=self.B)
        return out


class Measured(Spectrum):
    """A measured spectrum: eigenvalues λ_1 ≥ … ≥ λ_n > 0 and target coefficients y_k (signs kept).

    For N data points with Gram matrix K_N: λ_k the eigenvalues of K_N/N, y_k = u_k·f/√N
    (docs/theory.md §5; :func:`rgflow.data.spectrum_from_features` computes both). Copies are stored
    read-only. Continuous λ(k), y(k) for real k: log–log interpolation between neighbouring modes
    (module docstring); ``digest`` is a short hash of both arrays (and of ``residual`` when it is
    not 0), so results can be traced to a file.

    ``residual`` ≥ 0: target power Σ f²/N − Σ_k y_k² outside the n modes (dropped numerically-zero
    modes, or outside a Nyström span: ``meta["dropped_power"]`` of :mod:`rgflow.data`). No kernel
    mode can learn it; it enters the test error as an unlearnable floor, like label noise
    (:attr:`rgflow.predict.Prediction.test_error`, :func:`rgflow.ridge.ridge_errors`).

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        λ_k, finite, > 0, descending, n ≥ 1.
    target : array_like, shape (n,)
        y_k, finite.
    residual : float ≥ 0, optional
        The unlearnable target power outside the modes. Default: the one the spectrum carries —
        ``Measured(spectrum)`` with a :class:`rgflow.data.DataSpectrum` (its ``meta["dropped_power"]``)
        and ``Measured(*spectrum)`` (its ``target`` array carries it) keep it; plain arrays give 0.

    Raises
    ------
    ValueError
        If the arrays are empty, of unequal length, not finite, or the eigenvalues are not
        positive and descending.

    Examples
    --------
    >>> import rgflow
    >>> spec = rgflow.Measured([1.0, 0.5, 0.25], [0.8, -0.4, 0.1])
    >>> model = rgflow.Model.from_spectrum(spec, P=2, kappa=0.1, ridge="bare")
    >>> model.cutoff, model.measured          # the cutoff defaults to the number of modes
    (3, True)
    >>> print(round(rgflow.predict(model, "gp").mean[0], 6))   # y_1/(1 + rλ_1), r = P/κ = 20
    0.038095
    """

    power_law = False

    def __init__(self, eigenvalues, target=None, residual=None):
        if target is None and hasattr(eigenvalues, "eigenvalues") and hasattr(eigenvalues, "target"):
            spectrum = eigenvalues  # Measured(data_spectrum): its arrays and its residual
            eigenvalues, target = spectrum.eigenvalues, spectrum.target
            if residual is None:
                residual = _meta_residual(getattr(spectrum, "meta", None))
        if target is None:
            raise ValueError("target must be given: Measured(eigenvalues, target[, residual]) or Measured(spectrum)")
        if residual is None:  # Measured(*data_spectrum): the target array carries the residual
            carried = getattr(target, "residual", None)
            residual = 0.0 if carried is None else carried
        self.residual = check_real("residual", residual, low=0.0)
        lam, y = check_spectrum(eigenvalues, target)
        lam, y = lam.copy(), y.copy()
        lam.flags.writeable = False
        y.flags.writeable = False
        self.eigenvalues = lam
        self.target = y
        self.n_modes = len(lam)
        extra = np.float64(self.residual).tobytes() if self.residual else b""
        self.digest = hashlib.sha256(lam.tobytes() + y.tobytes() + extra).hexdigest()[:16]
        with np.errstate(divide="ignore"):
            self._lnk = np.log(np.arange(1, self.n_modes + 1, dtype=float))
            self._lnlam = np.log(lam)
            self._lny2 = np.log(y * y)

    def __eq__(self, other):
        return isinstance(other, Measured) and other.digest == self.digest

    def __hash__(self):
        return hash(("Measured", self.digest))

    def __repr__(self):
        return f"Measured(n_modes={self.n_modes}, digest={self.digest!r})"

    @classmethod
    def from_data(cls, spectrum, rtol=1e-12) -> Measured:
        """From a :class:`rgflow.data.DataSpectrum` (or file): its arrays and, as ``residual``, its
        ``meta["dropped_power"]`` when that exceeds ``rtol`` · mean f² (else rounding: 0)."""
        return cls(spectrum.eigenvalues, spectrum.target, _meta_residual(getattr(spectrum, "meta", None), rtol))

    def modes(self, n):
        """(λ_k, y_k) for k = 1..n ≤ n_modes (read-only views)."""
        if n > self.n_modes:
            raise ValueError(f"cutoff must not exceed the number of measured modes ({self.n_modes}), got {n}")
        return self.eigenvalues[:n], self.target[:n]

    def at(self, k):
        """(λ(k), y(k)) for real k ≥ 1: the arrays at integer k, log–log interpolation between modes,
        the last segment continued beyond mode n."""
        scalar = not np.ndim(k)
        k = np.atleast_1d(np.asarray(k, dtype=float))
        n = self.n_modes
        if np.any(k < 1.0) or not np.all(np.isfinite(k)):
            raise ValueError(f"k must be a finite mode index >= 1, got {k!r}")
        if n == 1:
            lam = np.full(k.shape, self.eigenvalues[0])
            y = np.full(k.shape, self.target[0])
        else:
            j = np.minimum(np.floor(k).astype(int), n - 1)  # segment [j, j+1] (1-based)
            x = np.log(k)
            t = (x - self._lnk[j - 1]) / (self._lnk[j] - self._lnk[j - 1])
            with np.errstate(invalid="ignore"):
                lam = np.exp(self._lnlam[j - 1] + t * (self._lnlam[j] - self._lnlam[j - 1]))
                a, b = self._lny2[j - 1], self._lny2[j]
                ln_y2 = np.where(np.isfinite(a) & np.isfinite(b), a + t * (b - a), -np.inf)
            y2 = np.exp(ln_y2)
            zero = ~(np.isfinite(self._lny2[j - 1]) & np.isfinite(self._lny2[j]))  # y = 0 at an end: linear in y²
            if np.any(zero):
                lo, hi = self.target[j - 1] ** 2, self.target[j] ** 2
                tk = k - j
                y2 = np.where(zero, np.maximum(lo + tk * (hi - lo), 0.0), y2)
            y = np.copysign(np.sqrt(y2), self.target[j - 1])
            exact = (k == np.floor(k)) & (k <= n)
            if np.any(exact):
                i = k[exact].astype(int) - 1
                lam[exact] = self.eigenvalues[i]
                y[exact] = self.target[i]
        return (float(lam[0]), float(y[0])) if scalar else (lam, y)

    @property
    def params(self) -> dict:
        """alpha = beta = None, spectrum 'measured', modes (n) and digest (and residual when not 0)."""
        out = {"alpha": None, "beta": None, "spectrum": "measured", "modes": self.n_modes, "digest": self.digest}
        if self.residual:
            out["residual"] = self.residual
        return out


def _meta_residual(meta, rtol=1e-12) -> float:
    """``meta["dropped_power"]`` when it exceeds ``rtol`` · ``meta["mean_f2"]``, else 0 (rounding)."""
    meta = meta or {}
    power = float(meta.get("dropped_power", 0.0) or 0.0)
    scale = float(meta.get("mean_f2", 0.0) or 0.0)
    return power if power > rtol * scale else 0.0


def check_spectrum(eigenvalues, target=None, *, name="eigenvalues") -> tuple:
    """Validate a spectrum: 1-D, non-empty, finite, λ_k > 0 and descending; target of the same length,
    finite. Returns float arrays (λ, y) (y is None when no target is given). Raises ValueError."""
    try:
        lam = None if isinstance(eigenvalues, str) else np.asarray(eigenvalues, dtype=float)
    except (TypeError, ValueError):
        lam = None
    if lam is None or lam.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of eigenvalues")
    if lam.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(lam)):
        raise ValueError(f"{name} must be finite (found NaN or inf at index {int(np.argmin(np.isfinite(lam)))})")
    if np.any(lam <= 0):
        raise ValueError(f"{name} must be > 0 (found {float(lam[lam <= 0][0])!r} at index {int(np.argmax(lam <= 0))})")
    if np.any(np.diff(lam) > 0):
        i = int(np.argmax(np.diff(lam) > 0))
        raise ValueError(f"{name} must be sorted in descending order (index {i + 1} exceeds index {i})")
    if target is None:
        return lam, None
    try:
        y = None if isinstance(target, str) else np.asarray(target, dtype=float)
    except (TypeError, ValueError):
        y = None
    if y is None or y.ndim != 1 or y.shape != lam.shape:
        raise ValueError(
            f"target must be a 1-D array of the same length as {name} ({lam.size}), got {np.shape(target) if y is not None else type(target).__name__}"
        )
    if not np.all(np.isfinite(y)):
        raise ValueError(f"target must be finite (found NaN or inf at index {int(np.argmin(np.isfinite(y)))})")
    return lam, y
