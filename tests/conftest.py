import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rgflow import paper  # noqa: E402  (after the path set-up above)

# (alpha, beta, P, kappa, U): the paper's predictor set (rgflow.paper) and others of ours, weak to strong coupling
PAPER = (paper.ALPHA, paper.BETA, paper.P, paper.KAPPA, paper.U)
PARAMETER_SETS = [
    PAPER,
    (paper.ALPHA, paper.BETA, paper.P, paper.KAPPA, 0.2),  # the paper's spectrum at 4x the coupling
    (0.5, 0.5, 2000, 20.0, 0.05),
    (1.0, 0.2, 1000, paper.KAPPA, 0.5),
    (0.2, 0.3, 1000, 1000.0, 0.05),  # small mass r = 1: almost nothing learned
    (2.0, 3.0, 100, 0.1, 0.05),
    (0.3, 1.3, 500, 5.0, 0.1),  # beta = 1 + alpha
]
