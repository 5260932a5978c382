"""The model of docs/theory.md §1: kernel regression as a field theory of discrepancies.

λ_k, y_k from the spectrum (default the power law λ_k = k^-(1+α), y_k = k^-(1+β)/2),
r = P/κ,  u = U·P,  k = 1..Λ

S[Δ] = Σ_k [ (y_k − Δ_k)² / (2λ_k) + r Δ_k² / 2 ] + (u/4) (Σ_k Δ_k²)²
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ._checks import check_int, check_real
from .ridge import RIDGES  # the ridge choices live with their formulas (no import back: no cycle)
from .spectrum import PowerLaw, Spectrum

__all__ = [
    "Model",
    "RIDGES",
    "PARAMETERIZATIONS",
    "WIDTH_MAX",
    "DEPTH_MAX",
    "check_real",
    "check_int",
    "gaussian_coefficients",
    "gp_moments",
    "P_MAX",
    "CUTOFF_MAX",
    "U_P_MAX",
]

PARAMETERIZATIONS = ("standard", "mean-field")
WIDTH_MAX = 10**12  # the χ²_N/N factors of a network of width N stay resolvable in float64 above 10^12 only as δ-peaks
DEPTH_MAX = 64  # hidden linear layers of a network

P_MAX = 2**53  # the largest P (and cutoff) that float64 holds exactly: r = P/κ and u = U·P are floats
CUTOFF_MAX = 10**8  # modes Λ: eight arrays of Λ floats must fit in memory (6.4 GB at the bound)
U_P_MAX = 1e300  # the largest u = U·P: sums u Σ_k (...) over up to 1e8 modes must stay below float64's 1.8e308
LOG_TINY = -700.0  # ln of the smallest y_Λ² the model accepts (e^-700 ≈ 1e-304, above float64's 2.2e-308)
LOG_TINY_LAMBDA = -350.0  # ln of the smallest λ_Λ: a_k = 1/λ_k + r enters squared (a_k² < e^700)


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


@dataclass(frozen=True)
class Model:
    """Kernel regression with a weak quartic: S[Δ] = Σ_k [(y_k − Δ_k)²/(2λ_k) + rΔ_k²/2] + (u/4)(Σ_k Δ_k²)².

    The model of docs/theory.md §1, with λ_k = k^-(1+α), y_k = k^-(1+β)/2, r = P/κ and u = U·P on the
    modes k = 1..Λ. It is the only source of the spectrum (λ_k, y_k and the continuous λ(k), y(k)
    of :mod:`rgflow.spectrum`); every observable of rgflow takes a Model. Frozen (use
    :meth:`replace` for a changed copy).

    Parameters
    ----------
    alpha : float > 0
        Spectrum exponent, λ_k = k^-(1+α).
    beta : float > -1
        Target exponent, y_k² = k^-(1+β).
    P : int ≥ 1
        Training samples.
    kappa : float > 0
        Ridge; the mass is r = P/κ (bare) or 1/K (renormalized).
    U : float ≥ 0, optional
        Quartic coupling; the action carries u = U·P (default 0, the Gaussian process).
    cutoff : int ≥ 1, optional
        Number of modes Λ (default P).
    spectrum : Spectrum, optional
        Set by :meth:`from_spectrum` (default ``PowerLaw(alpha, beta)``); for a measured spectrum
        ``alpha`` and ``beta`` are None.
    ridge : {"bare", "renormalized"} or None, optional
        "bare" (the paper's r = P/κ) or "renormalized": r = 1/K with the effective ridge K
        solving K = κ/P + (K/P) Σ_k λ_k/(λ_k + K) over the model's modes k = 1..Λ (eigenlearning,
        docs/theory.md §5), for every U ≥ 0. None (default): "bare" for a power law (the paper's),
        "renormalized" for a measured spectrum (the one that matches real KRR, docs/theory.md §5).
    width : int ≥ 1 or None, optional
        Width N of a network (docs/networks.md): a readout over ``depth`` linear hidden layers of
        width N on the kernel's feature map, trained as a Bayesian posterior. Given the hidden
        weights it is the GP with kernel Q·K, Q = g Π_l q_l, q_l ~ χ²_N/N, so its finite width is
        the coupling (instead of U, which must then be 0). None (default): no network, the action
        of docs/theory.md §1.
    depth : int ≥ 1, optional
        Hidden layers L of the network (default 1; needs ``width``).
    parameterization : {"standard", "mean-field"}, optional
        "standard" (default): readout variance g = 1 and temperature T = κ, the GP at U = 0 as N → ∞;
        "mean-field": g = 1/N, T = κ/N (the data term N times stronger; needs ``width``).
    noise : float ≥ 0, optional
        Variance σ² of Gaussian noise on the P training labels (default 0). The action and its moments
        do not change; the test error against the clean target gains σ² γ/(1 − γ) and the training error
        (κ/(P K))² σ²/(1 − γ) (:attr:`rgflow.Prediction.test_error`, :func:`rgflow.ridge.noisy_error`;
        for the bare ridge γ = 0: the test error is unchanged, the training error gains σ²). Must be 0 with
        ``width`` (a network on a spectrum; its label noise is on real data: ``rgflow krr --width --noise``).

    Attributes
    ----------
    r, u : float
        Mass P/κ and quartic U·P of the action.
    k : ndarray
        The modes 1..Λ; :meth:`eigenvalues` and :meth:`target` give λ_k and y_k on them.

    Raises
    ------
    ValueError
        If a parameter is NaN, infinite, of the wrong type or outside its range (the message names
        the parameter and the allowed range).

    Examples
    --------
    >>> import rgflow
    >>> model = rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=0.05)
    >>> model
    Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=0.05, cutoff=100, ridge='bare')
    >>> model.r, model.u
    (25.0, 5.0)
    >>> model.eigenvalues()[:2]          # λ_k = k^-(1+α)
    array([1.        , 0.43527528])
    >>> model.replace(P=50).cutoff      # the cutoff follows P unless it was given
    50
    """

    alpha: float | None
    beta: float | None
    P: int
    kappa: float
    U: float = 0.0
    # None in the constructor means "the default"; __post_init__ sets both, so after construction they
    # are an int and a Spectrum (the annotations say what every method may rely on)
    cutoff: int = field(default=None)  # type: ignore[assignment]
    spectrum: Spectrum = field(default=None, repr=False)  # type: ignore[assignment]
    ridge: str = field(default=None)  # type: ignore[assignment]  # None: bare (power law) or renormalized (measured)
    width: int | None = None
    depth: int = 1
    parameterization: str = "standard"
    noise: float = 0.0

    def __post_init__(self):
        set_ = object.__setattr__
        self._check_network()
        if self.ridge is None:
            measured = isinstance(self.spectrum, Spectrum) and not self.spectrum.power_law
            set_(self, "ridge", "renormalized" if measured else "bare")
        if not (isinstance(self.ridge, str) and self.ridge in RIDGES):
            raise ValueError(f"ridge must be one of {', '.join(RIDGES)}, got {self.ridge!r}")
        sp = self.spectrum
        if sp is None:
            set_(self, "alpha", check_real("alpha", self.alpha, low=0.0, low_open=True))
            set_(self, "beta", check_real("beta", self.beta, low=-1.0, low_open=True))
            set_(self, "spectrum", PowerLaw(self.alpha, self.beta))
        elif isinstance(sp, Spectrum):
            set_(self, "alpha", sp.alpha if sp.power_law else None)
            set_(self, "beta", sp.beta if sp.power_law else None)
        else:
            raise ValueError(f"spectrum must be an rgflow PowerLaw or Measured, got {type(sp).__name__}")
        set_(self, "P", check_int("P", self.P, high=P_MAX))
        set_(self, "kappa", check_real("kappa", self.kappa, low=0.0, low_open=True))
        set_(self, "U", check_real("U", self.U, low=0.0))
        set_(self, "noise", check_real("noise", self.noise, low=0.0))
        n = self.spectrum.n_modes
        if self.cutoff is None:
            cutoff = self.P if n is None else n
            if cutoff > CUTOFF_MAX:
                raise ValueError(
                    f"cutoff (default P = {self.P}) must be an integer in [1, {CUTOFF_MAX}]: "
                    f"give a cutoff <= {CUTOFF_MAX}"
                )
        else:
            cutoff = check_int("cutoff", self.cutoff, high=CUTOFF_MAX)
        if n is not None and cutoff > n:
            raise ValueError(f"cutoff must not exceed the number of measured modes ({n}), got {cutoff}")
        set_(self, "cutoff", cutoff)
        self._check_representable()

    def __repr__(self) -> str:
        keys = ["alpha", "beta", "P", "kappa", "U", "cutoff", "ridge"]
        if self.network:
            keys += ["width", "depth", "parameterization"]
        if self.noise:
            keys.append("noise")
        return f"Model({', '.join(f'{k}={getattr(self, k)!r}' for k in keys)})"

    def _check_network(self):
        """Validate width, depth and parameterization (docs/networks.md): one coupling at a time."""
        set_ = object.__setattr__
        if not (isinstance(self.parameterization, str) and self.parameterization in PARAMETERIZATIONS):
            raise ValueError(
                f"parameterization must be one of {', '.join(PARAMETERIZATIONS)}, got {self.parameterization!r}"
            )
        set_(self, "depth", check_int("depth", self.depth, high=DEPTH_MAX))
        if self.width is None:
            if self.depth != 1 or self.parameterization != "standard":
                raise ValueError(
                    "depth and parameterization describe a network: give its width too "
                    f"(got width=None, depth={self.depth}, parameterization={self.parameterization!r})"
                )
            return
        set_(self, "width", check_int("width", self.width, high=WIDTH_MAX))
        if isinstance(self.U, (int, float)) and not isinstance(self.U, bool) and self.U != 0:
            raise ValueError(
                f"U must be 0 for a network (width={self.width}): finite width is the coupling, "
                f"one coupling at a time; got U={self.U!r}"
            )
        if check_real("noise", self.noise, low=0.0) != 0:  # no canonical fixed-design definition (docs/networks.md)
            raise ValueError(
                f"noise must be 0 for a network on a spectrum (width={self.width}): label noise of a finite-width "
                f"network is defined on real data, where the draw of the noise is explicit; use rgflow krr --gram "
                f"K.npy --target f.npy --width N --noise S2 (rgflow.krr.compare_real(..., network=..., noise=...)); "
                f"got noise={self.noise!r}"
            )

    @property
    def network(self) -> bool:
        """True for a network (``width`` given): its coupling is the finite width, not U."""
        return self.width is not None

    def _check_representable(self):
        """ValueError unless r = P/κ, u = U·P and (power law) λ_Λ, y_Λ² are normal float64 numbers."""
        big = np.finfo(float).max
        if self.P / self.kappa > big:
            raise ValueError(
                f"kappa must be >= P/{big:.4g} = {self.P / big:.4g} (the mass r = P/kappa overflows "
                f"float64), got {self.kappa!r}"
            )
        if self.U * self.P > U_P_MAX:
            raise ValueError(
                f"U must be <= {U_P_MAX:g}/P = {U_P_MAX / self.P:.4g} (the coupling u = U*P and its sums "
                f"over the modes overflow float64 above {U_P_MAX:g}), got {self.U!r}"
            )
        sp = self.spectrum
        if sp.power_law:
            ln = math.log(self.cutoff)
            for name, expo, pre, what, floor in (
                ("alpha", sp.alpha, sp.A, "lambda_k = A k^-(1+alpha)", LOG_TINY_LAMBDA),
                ("beta", sp.beta, sp.B, "y_k^2 = B k^-(1+beta)", LOG_TINY),
            ):
                if math.log(pre) - (1.0 + expo) * ln < floor:
                    if ln == 0.0:
                        raise ValueError(f"{'A' if name == 'alpha' else 'B'} must be >= e^{floor:g}, got {pre!r}")
                    top = (math.log(pre) - floor) / ln - 1.0
                    raise ValueError(
                        f"{name} must be <= {top:.6g} at cutoff {self.cutoff} ({what} falls below "
                        f"e^{floor:g} at the last mode, beyond float64's range), got {expo!r}"
                    )

    @classmethod
    def from_spectrum(
        cls,
        spectrum,
        P,
        kappa,
        U=0.0,
        cutoff=None,
        ridge=None,
        *,
        width=None,
        depth=1,
        parameterization="standard",
        noise=0.0,
    ) -> "Model":
        """The model on any spectrum (PowerLaw or Measured). Cutoff default: P for a power law,
        the number of modes for a measured spectrum (docs/theory.md §5); a cutoff above it is an error.
        Ridge default (None): "bare" for a power law, "renormalized" for a measured spectrum."""
        if not isinstance(spectrum, Spectrum):
            raise ValueError(f"spectrum must be an rgflow PowerLaw or Measured, got {type(spectrum).__name__}")
        return cls(None, None, P, kappa, U, cutoff, spectrum, ridge, width, depth, parameterization, noise)

    @property
    def measured(self) -> bool:
        """True when the spectrum is measured (arrays), False for a power law."""
        return not self.spectrum.power_law

    # --- derived couplings -------------------------------------------------
    @property
    def r(self) -> float:
        """Mass of the action: r = P/κ (bare ridge) or r = 1/K (renormalized ridge, :attr:`K`)."""
        return self.P / self.kappa if self.ridge == "bare" else 1.0 / self.K

    @property
    def K(self) -> float:
        """Effective ridge K = 1/r: κ/P for the bare ridge; for the renormalized one the root K > κ/P of
        K = κ/P + (K/P) Σ_k λ_k/(λ_k + K) over the modes k = 1..Λ (:func:`rgflow.ridge.renormalized_ridge`)."""
        if self.ridge == "bare":
            return self.kappa / self.P
        K = self.__dict__.get("_K")
        if K is None:
            from .ridge import renormalized_ridge

            K = renormalized_ridge(self.eigenvalues(), self.P, self.kappa)
            object.__setattr__(self, "_K", K)
        return K

    @property
    def one_minus_gamma(self) -> float:
        """1 − γ with γ = Σ_k L_k²/P, L_k = λ_k/(λ_k + K) for the renormalized ridge (the variance factor
        of the test error, docs/theory.md §5); exactly 1 for the bare ridge (γ = 0)."""
        if self.ridge == "bare":
            return 1.0
        from .ridge import one_minus_gamma

        return one_minus_gamma(self.eigenvalues(), self.P, self.K)

    @property
    def u(self) -> float:
        """Quartic coupling of the action, u = U·P."""
        return self.U * self.P

    @property
    def k(self) -> np.ndarray:
        """Mode indices 1..Λ as floats."""
        return np.arange(1, self.cutoff + 1, dtype=float)

    def eigenvalues(self, k=None) -> np.ndarray:
        """λ_k on the modes k = 1..Λ (read-only), or the spectrum's continuous λ(k) at real ``k``."""
        if k is None:
            return self._modes()[0]
        return self.spectrum.at(np.asarray(k, dtype=float))[0]

    def target(self, k=None) -> np.ndarray:
        """y_k on the modes k = 1..Λ (read-only), or the spectrum's continuous y(k) at real ``k``."""
        if k is None:
            return self._modes()[1]
        return self.spectrum.at(np.asarray(k, dtype=float))[1]

    def _modes(self):
        arrays = self.__dict__.get("_arrays")
        if arrays is None:
            arrays = self.spectrum.modes(self.cutoff)
            object.__setattr__(self, "_arrays", arrays)
        return arrays

    def require_power_law(self, what) -> None:
        """Raise ValueError unless the spectrum is a power law (``what`` needs its closed form)."""
        self.spectrum.require_power_law(what)

    @property
    def params(self) -> dict:
        """The public parameters as a flat dict: alpha, beta, P, kappa, U, cutoff (a power law with
        A, B ≠ 1 adds A, B; a measured spectrum has alpha = beta = None and adds spectrum =
        'measured', modes and digest; the renormalized ridge adds ridge = 'renormalized', label noise
        σ² > 0 adds noise)."""
        sp = dict(self.spectrum.params)
        out = {
            "alpha": sp.pop("alpha"),
            "beta": sp.pop("beta"),
            "P": self.P,
            "kappa": self.kappa,
            "U": self.U,
            "cutoff": self.cutoff,
        }
        out.update(sp)
        if self.ridge != "bare":  # the default adds no key: existing JSON contracts stay identical
            out["ridge"] = self.ridge
        if self.network:
            out.update(width=self.width, depth=self.depth, parameterization=self.parameterization)
        if self.noise:  # as the ridge: no key at the default 0
            out["noise"] = self.noise
        return out

    def replace(self, **changes) -> "Model":
        """A copy with some of P, kappa, U, cutoff, ridge, noise (and alpha, beta of a power law) changed,
        validated again; the spectrum is kept."""
        allowed = (("alpha", "beta") if self.spectrum.power_law else ()) + (
            "P",
            "kappa",
            "U",
            "cutoff",
            "ridge",
            "width",
            "depth",
            "parameterization",
            "noise",
        )
        unknown = sorted(set(changes) - set(allowed))
        if unknown:
            raise ValueError(f"replace takes the parameters {', '.join(allowed)}; got {unknown}")
        n = self.spectrum.n_modes
        if "P" in changes and "cutoff" not in changes and self.cutoff == self.P and n is None:
            changes["cutoff"] = None  # a default cutoff follows P (power law)
        if "alpha" in changes or "beta" in changes:
            sp = self.spectrum
            assert isinstance(sp, PowerLaw)  # alpha and beta are allowed for a power law only
            alpha, beta = changes.get("alpha", sp.alpha), changes.get("beta", sp.beta)
            # unit prefactors: validated as Model(alpha, beta, ...) is; otherwise as a PowerLaw
            changes["spectrum"] = None if sp.A == sp.B == 1.0 else PowerLaw(alpha, beta, sp.A, sp.B)
        return replace(self, **changes)

    def with_couplings(self, P, r, u, cutoff=None) -> "Model":
        """The model on the same spectrum with P samples whose action carries mass r and quartic u
        (κ = P/r, U = u/P; the bare ridge, since r is given as the action's mass)."""
        r = check_real("r", r, low=0.0, low_open=True)
        u = check_real("u", u, low=0.0)
        P = check_int("P", P)
        if cutoff is None and self.spectrum.n_modes is not None:
            cutoff = P
        return Model(None, None, P, P / r, u / P, cutoff, self.spectrum, "bare")

    @classmethod
    def build(
        cls,
        alpha,
        beta,
        P,
        kappa,
        U=0.0,
        cutoff=None,
        spectrum=None,
        ridge=None,
        *,
        width=None,
        depth=1,
        parameterization="standard",
        noise=0.0,
    ) -> "Model":
        """``Model(alpha, beta, ...)`` or, when ``spectrum`` is given (then alpha and beta must be
        None), ``Model.from_spectrum(spectrum, ...)``: for functions taking either."""
        net = {"width": width, "depth": depth, "parameterization": parameterization, "noise": noise}
        if spectrum is None:
            return cls(alpha, beta, P, kappa, U, cutoff, None, ridge, **net)  # type: ignore[arg-type]
        if alpha is not None or beta is not None:
            raise ValueError(
                "give either alpha and beta (power law) or spectrum, not both "
                f"(got alpha={alpha!r}, beta={beta!r} and a spectrum)"
            )
        return cls.from_spectrum(spectrum, P, kappa, U, cutoff, ridge, **net)

    @classmethod
    def from_couplings(cls, alpha, beta, P, r, u, cutoff=None) -> "Model":
        """The power-law model whose action carries mass r and quartic u: κ = P/r, U = u/P."""
        r = check_real("r", r, low=0.0, low_open=True)
        u = check_real("u", u, low=0.0)
        P = check_int("P", P)
        return cls(alpha, beta, P, P / r, u / P, cutoff)
