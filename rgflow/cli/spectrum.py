"""``rgflow spectrum``: a measured spectrum file (.npz) from a Gram matrix, from features and labels, or
from one of scikit-learn's bundled data sets, and optionally its power-law fit (docs/theory.md §5)."""
from __future__ import annotations

from ._common import command, integer

SOURCES = ("--gram", "--features", "--dataset")


def arguments(p):
    from ..data import KERNELS
    from ..krr import DATASETS, TARGETS

    src = p.add_argument_group("source (exactly one)")
    src.add_argument("--gram", default=None, metavar="FILE.npy", help="an N × N Gram matrix (with --target)")
    src.add_argument("--features", default=None, metavar="FILE",
                     help="an N × d feature matrix, .npy or .csv (with --labels and --kernel)")
    src.add_argument("--dataset", choices=DATASETS, default=None,
                     help="a data set bundled with scikit-learn (features standardized; needs rgflow[data])")
    p.add_argument("--target", default=None, metavar="FILE.npy", help="target values f_i (length N) of --gram")
    p.add_argument("--labels", default=None, metavar="FILE", help="target values f_i of --features (.npy or .csv)")
    p.add_argument("--dataset-target", dest="dataset_target", choices=TARGETS, default="class",
                   help="target of --dataset: class (one-vs-rest indicator, default) or smooth (tanh of a "
                        "random projection), as in rgflow.krr.real_dataset")
    p.add_argument("--kernel", choices=KERNELS, default="rbf", help="kernel of --features/--dataset (default rbf)")
    p.add_argument("--gamma", type=float, default=None, help="width of rbf/laplace (default 1/d)")
    p.add_argument("--bias", type=float, default=None, help="bias variance of the ntk kernel (default 1)")
    p.add_argument("--rank", type=integer, default=None,
                   help="Nyström with this many landmarks (bounded memory, O(N·rank)); needed above "
                        "N = 20000, where the dense path would need ≈ 24·N² bytes")
    p.add_argument("--seed", type=integer, default=0, help="seed of the Nyström landmarks (default 0)")
    p.add_argument("--fit", default=None, metavar="K_LO:K_HI",
                   help="also fit λ_k = A k^-(1+α), y_k² = B k^-(1+β) on this window and report the drift "
                        "of the exponents across windows (JSON on stdout)")
    p.add_argument("--out", required=True, metavar="FILE.npz", help="the spectrum file to write (.npz or .csv)")


def _read_array(path, what):
    import pathlib

    import numpy as np

    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"{what} file not found: {path}")
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if path.suffix == ".csv":
            return np.loadtxt(path, delimiter=",", ndmin=2, comments="#")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{what} {path}: not readable ({exc})") from None
    raise ValueError(f"{what} file must end in .npy or .csv, got {str(path)!r}")


def _vector(arr, what):
    import numpy as np

    arr = np.asarray(arr)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{what} must hold one value per data point (a vector), got shape {arr.shape}")
    return arr


def _window(text):
    try:
        lo, hi = (int(float(v)) for v in str(text).split(":"))
    except ValueError:
        raise ValueError(f"--fit must be K_LO:K_HI (two mode indices), got {text!r}") from None
    return lo, hi


@command("spectrum", help="a measured spectrum file from a Gram matrix, features or a bundled data set",
         description="Measured spectrum λ_k = eig(K_N/N) (descending) and y_k = u_k·f/√N of a kernel on N data "
                     "points (docs/theory.md §5), written to --out (.npz with arrays eigenvalues, target and meta; or .csv "
                     "with columns eigenvalue,target) for --spectrum of every model subcommand. Sources: --gram "
                     "FILE.npy --target FILE.npy; --features FILE --labels FILE --kernel K; --dataset NAME. Modes "
                     "below N·ε·λ_max are dropped (count and target power in meta). Dense path up to N = 20000 "
                     "(≈ 24·N² bytes), --rank m for Nyström beyond. Prints JSON: out, N, modes, dropped_modes, "
                     "dropped_power, mean_f2 and, with --fit, the fit (A, alpha, B, beta with *_err) and drift.",
         example="rgflow spectrum --dataset wine --kernel rbf --fit 4:40 --out wine.npz",
         arguments=arguments)
def run(ns):
    from .._io import to_json
    from ..data import exponent_drift, fit_power_law, save_spectrum, spectrum_from_features, spectrum_from_gram

    given = [flag for flag in SOURCES if getattr(ns, flag[2:]) is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one source of {', '.join(SOURCES)}, got {', '.join(given) or 'none'}")
    if not str(ns.out).endswith((".npz", ".csv")):
        raise ValueError(f"--out must end in .npz or .csv, got {ns.out!r}")
    window = _window(ns.fit) if ns.fit is not None else None
    params = {k: v for k, v in (("gamma", ns.gamma), ("bias", ns.bias)) if v is not None}
    if ns.gram is not None:
        if ns.target is None:
            raise ValueError("--gram needs --target FILE.npy (the target values)")
        if ns.labels is not None or params or ns.rank is not None:
            raise ValueError("--gram takes --target only (no --labels, --gamma, --bias, --rank)")
        K = _read_array(ns.gram, "--gram")
        s = spectrum_from_gram(K, _vector(_read_array(ns.target, "--target"), "--target"))
        meta = {"source": "gram", **s.meta}
    else:
        if ns.features is not None:
            if ns.labels is None:
                raise ValueError("--features needs --labels FILE (the target values)")
            X = _read_array(ns.features, "--features")
            f = _vector(_read_array(ns.labels, "--labels"), "--labels")
            source = "features"
        else:
            if ns.labels is not None or ns.target is not None:
                raise ValueError("--dataset brings its own target (choose it with --dataset-target)")
            from ..krr import real_dataset

            try:
                X, f = real_dataset(ns.dataset, ns.dataset_target)
            except ImportError as exc:
                raise ValueError(str(exc)) from None
            source = f"{ns.dataset}:{ns.dataset_target}"
        s = spectrum_from_features(X, f, ns.kernel, rank=ns.rank, seed=ns.seed, **params)
        meta = {"source": source, **s.meta}
    out = {"out": str(ns.out), **{k: meta[k] for k in ("N", "modes", "dropped_modes", "dropped_power", "mean_f2")}}
    if window is not None:   # fitted before the file is written: a bad window leaves no file
        fit = fit_power_law(*s, k_lo=window[0], k_hi=window[1])
        # the drift: fits on sliding windows [k, w·k] inside the window, w = √(K_HI/K_LO) (≥ 1.5)
        width = max(1.5, (fit["k_hi"] / fit["k_lo"]) ** 0.5)
        drift = exponent_drift(*s, width=width, step=max(1.2, width**0.5), k_min=fit["k_lo"], k_max=fit["k_hi"])
        out["fit"] = fit
        out["drift"] = {**drift, "alpha_range": [float(drift["alpha"].min()), float(drift["alpha"].max())],
                        "beta_range": [float(drift["beta"].min()), float(drift["beta"].max())]}
    save_spectrum(ns.out, *s, **meta)
    from .._io import write_output
    from ..results import plain

    write_output(None, to_json(plain(out)))   # the summary to stdout; --out is the spectrum file
    return 0
