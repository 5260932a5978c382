"""rgflow: Wilsonian renormalization group for kernel regression on power-law data.

    model = rgflow.Model(alpha=0.2, beta=0.3, P=1000, kappa=1000 / 100**1.2, U=0.05)
    traj = rgflow.flow(model)                 # running (r, u), rescaled (s, r̂, Û) at any τ
    pred = rgflow.predict(model, "rg")        # ⟨Δ_k⟩, Var Δ_k, loss = bias + variance

and the observables built on them: learning_curve, transfer, scaling_interval, flow_field,
loss_surface, dynamics. Every call returns a frozen result with to_dict() (JSON) and to_rows() (CSV).
Heavy dependencies (scipy, sympy, matplotlib) are imported only where used. ``rgflow.flow``,
``rgflow.predict``, ``rgflow.transfer`` and ``rgflow.dynamics`` are the modules; calling one calls its
function of the same name (``rgflow.flow(model)`` is ``rgflow.flow.flow(model)``).
"""

from ._progress import quiet_startup_interrupt as _quiet

_quiet()  # `rgflow ...` interrupted while numpy and scipy load: one line, exit 130, no traceback
from ._version import __version__
from ._callable import make_callable
from .model import Model
from .spectrum import PowerLaw, Measured
from .flow import flow_batch, Trajectory, FlowError
from .predict import Prediction, METHODS
from .exact import ConvergenceError
from .results import Result
from .curves import learning_curve, LearningCurve
from .transfer import Transfer, TransferMap
from .scaling import scaling_interval, ScalingInterval
from .field import flow_field, FlowField
from .surface import loss_surface, Surface, SurfaceFit
from .dynamics import Dynamics
from . import dynamics, flow, predict, transfer

# rgflow.flow, .predict, .transfer, .dynamics are the modules; calling one calls its function of the
# same name, so both `import rgflow.flow` (the module) and `rgflow.flow(model)` (the call) work
make_callable(flow.__name__, predict.__name__, transfer.__name__, dynamics.__name__)


def __getattr__(name):  # rgflow.sweep is loaded on first use (import rgflow stays fast)
    if name == "sweep":
        import importlib

        fn = importlib.import_module(".sweep", __name__).sweep
        globals()["sweep"] = fn  # the function, as for transfer (loading the module bound the name to it)
        return fn
    raise AttributeError(f"module 'rgflow' has no attribute {name!r}")


__all__ = [
    "Model",
    "PowerLaw",
    "Measured",
    "flow",
    "flow_batch",
    "Trajectory",
    "predict",
    "Prediction",
    "METHODS",
    "FlowError",
    "ConvergenceError",
    "learning_curve",
    "transfer",
    "scaling_interval",
    "flow_field",
    "loss_surface",
    "dynamics",
    "sweep",
    "Result",
    "LearningCurve",
    "Transfer",
    "TransferMap",
    "ScalingInterval",
    "FlowField",
    "Surface",
    "SurfaceFit",
    "Dynamics",
    "__version__",
]
