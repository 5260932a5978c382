"""rgflow: Wilsonian renormalization group for kernel regression on power-law data.

    model = rgflow.Model(alpha=0.2, beta=0.3, P=1000, kappa=1000 / 100**1.2, U=0.05)
    traj = rgflow.flow(model)                 # running (r, u), rescaled (s, r̂, Û) at any τ
    pred = rgflow.predict(model, "rg")        # ⟨Δ_k⟩, Var Δ_k, loss = bias + variance

and the observables built on them: learning_curve, transfer, scaling_interval, flow_field,
loss_surface, dynamics. Every call returns a frozen result with to_dict() (JSON) and to_rows() (CSV). Heavy dependencies (scipy, sympy, matplotlib) are imported only where used.
"""
from .model import Model
from .spectrum import PowerLaw, Measured
from .flow import flow, flow_batch, Trajectory, FlowError
from .predict import predict, Prediction, METHODS
from .exact import ConvergenceError
from .results import Result
from .curves import learning_curve, LearningCurve
from .transfer import transfer, Transfer, TransferMap
from .scaling import scaling_interval, ScalingInterval
from .field import flow_field, FlowField
from .surface import loss_surface, Surface, SurfaceFit
from .dynamics import dynamics, Dynamics

__version__ = "0.1.0"

__all__ = ["Model", "PowerLaw", "Measured", "flow", "flow_batch", "Trajectory", "predict", "Prediction", "METHODS",
           "FlowError", "ConvergenceError", "learning_curve", "transfer", "scaling_interval",
           "flow_field", "loss_surface", "dynamics", "Result", "LearningCurve", "Transfer", "TransferMap",
           "ScalingInterval", "FlowField", "Surface", "SurfaceFit", "Dynamics", "__version__"]
