"""Parameter validation shared by the model and the spectra (ValueError naming the parameter)."""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["check_real", "check_int"]


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a finite float or raise ValueError naming ``name`` and the allowed range."""
    lo = "-inf" if low is None else repr(low)
    hi = "inf" if high is None else repr(high)
    allowed = f"{'(' if low is None or low_open else '['}{lo}, {hi}{')' if high is None or high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a real number in {allowed}, got {value!r}")
    try:
        v = float(value)
    except OverflowError:  # a Python int beyond the float range (10**400)
        raise ValueError(f"{name} must be a finite number in {allowed}, got {_short(value)}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number in {allowed}, got {value!r}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must lie in {allowed}, got {value!r}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must lie in {allowed}, got {value!r}")
    return v


def check_int(name, value, *, low=1, high=None):
    """Return ``value`` as an int in [low, high] (integral floats accepted) or raise ValueError."""
    rng = f">= {low}" if high is None else f"in [{low}, {high}]"
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer {rng}, got {value!r}")
    if isinstance(value, Integral):
        v = int(value)
    elif isinstance(value, Real) and math.isfinite(float(value)) and float(value).is_integer():
        v = int(value)
    else:
        raise ValueError(f"{name} must be an integer {rng}, got {_short(value)}")
    if v < low or (high is not None and v > high):
        raise ValueError(f"{name} must be an integer {rng}, got {_short(value)}")
    return v


def _short(value) -> str:
    """repr of ``value``, a huge integer abbreviated (10**400 is not printed in full)."""
    if isinstance(value, Integral) and not isinstance(value, bool) and abs(int(value)) > 10**30:
        return f"an integer of {len(str(abs(int(value))))} digits"
    return repr(value)
