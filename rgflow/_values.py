"""The one parser of value lists and ranges, for every parameter that takes several values
(``--P`` of ``curve`` and ``surface``, ``--cutoff`` of ``surface``, ``--tau`` of ``field``)."""

from __future__ import annotations

import math
import re

import numpy as np

MAX_VALUES = 10_000  # points of one range START:STOP:NUM (each is a computation)
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # a plain decimal, as written by hand


def parse_number(text, name) -> float:
    """The finite float written as ``text`` (a plain decimal: ``3``, ``-0.5``, ``1e-3``), for the
    parameter ``name``. Every number of the command line goes through here.

    Rejected, with a ValueError naming ``name``: ``inf``, ``nan``, hexadecimal, digit-group
    underscores (``1_000``: Python's ``float`` takes them, a typo of ``1,000`` should not pass), and a
    decimal beyond the float range (``1e400``, which ``float`` rounds to inf).

    Examples
    --------
    >>> parse_number(" 1e-3 ", "kappa")
    0.001
    """
    s = str(text).strip()
    if not NUMBER.fullmatch(s):
        raise ValueError(f"{name} must be a finite decimal number (e.g. 0.5, 1e-3), got {str(text)[:40]!r}")
    value = float(s)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a number within the float range (|x| < 1.8e308), got {s[:40]!r}")
    return value


def parse_values(text, name, *, integer=True, spacing="log", low=1.0) -> np.ndarray:
    """Values of the parameter ``name`` from ``'100,200,400'`` or a range ``'START:STOP:NUM'``.

    A range is NUM points from START to STOP, evenly spaced in ln(value) when ``spacing='log'``
    (scale parameters: P, Λ) and in the value itself when ``spacing='linear'`` (τ = ln ℓ, already a
    logarithm of the scale). With ``integer`` the values are integers (a range is rounded and its
    duplicates removed). Every value must be finite and >= ``low``.

    Parameters
    ----------
    text : str
        ``'a,b,c'`` or ``'START:STOP:NUM'``.
    name : str
        the parameter, named in the error message.
    integer : bool
        integers (P, Λ) or floats (τ).
    spacing : {'log', 'linear'}
        spacing of a range.
    low : float or None
        the smallest allowed value (None: no bound).

    Returns
    -------
    numpy.ndarray
        the values (a list in its order; a range increasing).

    Examples
    --------
    >>> parse_values("100:1e4:3", "P").tolist()
    [100, 1000, 10000]
    >>> parse_values("0:2:3", "tau", integer=False, spacing="linear", low=0).tolist()
    [0.0, 1.0, 2.0]

    Raises
    ------
    ValueError
        naming ``name``, the accepted forms and the text given.
    """
    if spacing not in ("log", "linear"):
        raise ValueError(f"spacing must be 'log' or 'linear', got {spacing!r}")
    text = str(text).strip()
    what = "integers" if integer else "numbers"
    bound = "" if low is None else f" >= {low:g}"
    form = (
        f"{name} must be comma-separated {what}{bound} (e.g. {'100,200,400' if integer else '0,1,2'}) "
        f"or a {'log' if spacing == 'log' else 'linearly'}-spaced range START:STOP:NUM with "
        f"{'' if low is None else f'{low:g} <= '}START <= STOP, NUM >= 1; got {text!r}"
    )
    low = -math.inf if low is None else low
    biggest = max((abs(float(v)) for v in text.replace(":", ",").split(",") if _is_float(v)), default=0.0)
    if any(not NUMBER.fullmatch(v.strip()) for v in text.replace(":", ",").split(",")):
        raise ValueError(form)
    if integer and biggest > 2.0**53:
        raise ValueError(f"{name} must be integers <= 2**53 = {2**53} (held exactly by float64), got {text!r}")
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            start, stop, num = (float(p) for p in parts)
            if not (
                math.isfinite(start)
                and math.isfinite(stop)
                and low <= start <= stop
                and num >= 1
                and num.is_integer()
                and (spacing == "linear" or start > 0)
            ):
                raise ValueError
            if num > MAX_VALUES:
                raise ValueError(f"{name}: a range has at most {MAX_VALUES} points (NUM), got {text!r}")
            vals = (np.geomspace if spacing == "log" else np.linspace)(start, stop, int(num))
            if integer:
                vals = np.unique(np.round(vals).astype(int))
        else:
            items = [float(s.strip()) for s in text.split(",")]
            if not all(math.isfinite(v) and v >= low and (v.is_integer() or not integer) for v in items):
                raise ValueError
            vals = np.array(items, dtype=int if integer else float)
    except ValueError as exc:
        if str(exc).startswith(f"{name}: a range"):
            raise
        raise ValueError(form) from None
    if vals.size == 0:
        raise ValueError(form)
    return vals


def _is_float(text) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
