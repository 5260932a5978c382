"""Callable modules: ``rgflow.flow`` is the module :mod:`rgflow.flow`, and ``rgflow.flow(model)``
calls its function of the same name, ``rgflow.flow.flow(model)``."""

from __future__ import annotations

import sys
import types


class CallableModule(types.ModuleType):
    """A module whose call is the call of its function of the same name (``flow`` in ``rgflow.flow``)."""

    def _function(self):
        return getattr(self, self.__name__.rpartition(".")[2])

    def __call__(self, *args, **kwargs):
        return self._function()(*args, **kwargs)

    def __reduce__(self):  # pickled by name, as a module is (cloudpickle, Dask)
        import importlib

        return importlib.import_module, (self.__name__,)

    @property
    def __signature__(self):  # inspect.signature(rgflow.flow) is that of the function
        import inspect

        return inspect.signature(self._function())


def make_callable(*names) -> None:
    """Turn the already imported modules ``names`` (e.g. ``"rgflow.flow"``) into :class:`CallableModule`."""
    for name in names:
        sys.modules[name].__class__ = CallableModule
