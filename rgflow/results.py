"""Results as objects: one base and one serializer for every public call.

Every result class is a frozen dataclass that mixes in :class:`Result` and says what it holds:

``_method()``   the method (or scheme) that produced it (a str),
``_params()``   the model's parameters (a dict),
``_data()``     its data (dict of arrays, numbers, strings, nested dicts),
``_columns()``  its table form: a dict of equal-length columns (the CSV rows),
``_header()``   extra ``key=value`` entries of the CSV header (optional).

On that, :meth:`Result.to_dict` gives the JSON-ready dict (data as plain lists and numbers,
stamped with ``version`` and ``params``) and :meth:`Result.to_rows` gives ``(header, columns)``
for :func:`rgflow._io.to_csv`. Non-finite numbers stay floats here (NaN, ±inf); only the JSON
writer (:func:`rgflow._io.to_json`) turns them into null.

Results compare by value: ``a == b`` when both are of the same class and every public field is
equal (arrays by shape and elements, NaN equal to NaN, dicts, lists and nested results
recursively); private fields (caches such as a trajectory's dense solution) are not compared.
Results pickle (they hold no lambdas), so they can be sent to worker processes and stored.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["Result", "plain", "same_value"]


def same_value(a, b) -> bool:
    """True when ``a`` and ``b`` hold the same values: numpy arrays by shape and elements (NaN equal
    to NaN), dicts by keys and values, lists and tuples element by element, results field by field,
    anything else by ``==``."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False
        if a.dtype.kind in "fc" and b.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        if a.dtype == object or b.dtype == object:
            return all(same_value(x, y) for x, y in zip(a.ravel().tolist(), b.ravel().tolist()))
        return bool(np.array_equal(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:  # NaN
        return True
    result = a == b
    if isinstance(result, np.ndarray):  # a numpy scalar against a sequence
        return bool(result.all())
    return bool(result)


def plain(obj):
    """``obj`` with numpy arrays/scalars as lists/Python numbers, tuples as lists, dicts and
    nested results (their ``to_dict()``) converted recursively. Non-finite floats are kept."""
    if isinstance(obj, Result):
        return obj.to_dict()
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


class Result:
    """Mixin of the result classes: ``to_dict()`` (JSON form) and ``to_rows()`` (CSV form).

    Every result of rgflow (Prediction, Trajectory, LearningCurve, Transfer, ScalingInterval,
    FlowField, Surface, SurfaceFit, Dynamics, ...) is a frozen dataclass with this mixin.
    ``to_dict()`` gives plain lists and numbers plus ``params`` (the input parameters) and
    ``version``; ``to_rows()`` gives ``(header, columns)`` for a CSV file whose first line is
    ``# key=value`` of the header.

    Examples
    --------
    >>> import rgflow
    >>> pred = rgflow.predict(rgflow.Model(alpha=0.2, beta=0.3, P=10, kappa=4.0), "gp")
    >>> isinstance(pred, rgflow.Result)
    True
    >>> sorted(pred.to_dict())
    ['bias', 'info', 'k', 'loss', 'mean', 'method', 'params', 'test_error', 'train_error', 'var', 'variance', 'version']
    >>> header, columns = pred.to_rows()
    >>> header["method"], list(columns), len(columns["k"])
    ('gp', ['k', 'mean', 'var'], 10)
    """

    def __init_subclass__(cls, **kwargs):
        # placed in the subclass itself before @dataclass runs, so the decorator keeps it instead of
        # generating a tuple comparison (which raises on numpy arrays)
        super().__init_subclass__(**kwargs)
        cls.__eq__ = Result.__eq__

    def __eq__(self, other):
        """Value equality: same class and the same values in every public field (:func:`same_value`)."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        if not dataclasses.is_dataclass(self):
            return self is other
        return all(
            same_value(getattr(self, f.name), getattr(other, f.name))
            for f in dataclasses.fields(self)
            if f.compare and not f.name.startswith("_")
        )

    def _method(self) -> str:
        return getattr(self, "method", "")

    def _params(self) -> dict:
        model = getattr(self, "model", None)
        return dict(model.params) if model is not None else dict(getattr(self, "params", {}))

    def _named_params(self) -> dict:
        """:meth:`_params` naming the ``ridge`` also at its default (issue 24 item 7: every output names its
        ridge). Model.params leaves out ``ridge = "bare"`` (its own contract), so a result built on a model
        (``model``, or a transfer's ``source``) adds the model's ridge, and a result whose params are a model's
        (``kappa`` and ``U``) without ``ridge`` used the bare ridge."""
        params = self._params()
        if "ridge" not in params:
            model = getattr(self, "model", None) or getattr(self, "source", None)
            ridge = getattr(model, "ridge", None)
            if isinstance(ridge, str):
                params["ridge"] = ridge
            elif {"kappa", "U"} <= params.keys():
                params["ridge"] = "bare"
        return params

    def _data(self) -> dict:
        raise NotImplementedError

    def _columns(self) -> dict:
        raise NotImplementedError

    def _header(self) -> dict:
        return {}

    def to_dict(self) -> dict:
        """JSON-ready dict: the result's data (plain lists/numbers) plus ``params`` and ``version``."""
        from ._version import __version__

        out = plain(self._data())
        out["params"] = plain(self._named_params())
        out["version"] = __version__
        return out

    def to_rows(self) -> tuple:
        """``(header, columns)``: header = {rgflow: version, method, **params, **extra}; columns =
        dict of equal-length lists (one CSV row per index)."""
        from ._version import __version__

        header = {"rgflow": __version__}
        if self._method():
            header["method"] = self._method()
        header.update(self._named_params())
        header.update(self._header())
        cols = {k: plain(v) for k, v in self._columns().items()}
        lengths = {len(v) for v in cols.values()}
        if len(lengths) > 1:
            raise RuntimeError(f"{type(self).__name__}.to_rows: columns of unequal length {sorted(lengths)}")
        return header, cols
