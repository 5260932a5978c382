"""The data source of ``rgflow spectrum`` and ``rgflow krr``, declared and read once: exactly one of
``--gram FILE.npy --target FILE.npy``, ``--features FILE --labels FILE --kernel K [--gamma, --bias]`` or
``--dataset NAME [--dataset-target class|smooth] --kernel K``."""
from __future__ import annotations

from dataclasses import dataclass, field

from ._common import real

SOURCES = ("--gram", "--features", "--dataset")


def add_source_args(p):
    """Declare the three sources and their options (target, labels, kernel and its parameters)."""
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
    p.add_argument("--gamma", type=real, default=None, help="width of rbf/laplace (default 1/d)")
    p.add_argument("--bias", type=real, default=None, help="bias variance of the ntk kernel (default 1)")


@dataclass(frozen=True)
class Source:
    """The data read from the command line: ``f`` (target on every point) and either the Gram matrix ``K``
    (--gram) or the features ``X`` with the ``kernel`` and its ``params``; ``name`` says which source
    (gram, features, or DATASET:TARGET)."""

    name: str
    f: object
    K: object = None
    X: object = None
    kernel: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def N(self) -> int:
        return len(self.f)

    def gram(self):
        """The N × N Gram matrix: the file's, or the kernel on the features (computed here, once per call)."""
        from ..data import kernel_matrix

        return self.K if self.K is not None else kernel_matrix(self.X, kernel=self.kernel, **self.params)


def read_source(ns, gram_excludes=()) -> Source:
    """The :class:`Source` of the parsed arguments. ValueError unless exactly one source is given with its
    target (and, for --gram, none of the feature options nor the flags named in ``gram_excludes``)."""
    given = [flag for flag in SOURCES if getattr(ns, flag[2:]) is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one source of {', '.join(SOURCES)}, got {', '.join(given) or 'none'}")
    params = {k: v for k, v in (("gamma", ns.gamma), ("bias", ns.bias)) if v is not None}
    if ns.gram is not None:
        if ns.target is None:
            raise ValueError("--gram needs --target FILE.npy (the target values)")
        if ns.labels is not None or params or any(getattr(ns, k, None) is not None for k in gram_excludes):
            no = ", ".join(["--labels", "--gamma", "--bias", *(f"--{k}" for k in gram_excludes)])
            raise ValueError(f"--gram takes --target only (no {no})")
        from ..data import MAX_DENSE

        K = read_array(ns.gram, "--gram", max_elements=MAX_DENSE**2)
        return Source("gram", vector(read_array(ns.target, "--target"), "--target"), K=K)
    if ns.features is not None:
        if ns.target is not None:
            raise ValueError("--target goes with --gram; --features takes --labels FILE")
        if ns.labels is None:
            raise ValueError("--features needs --labels FILE (the target values)")
        X = read_array(ns.features, "--features")
        f = vector(read_array(ns.labels, "--labels"), "--labels")
        return Source("features", f, X=X, kernel=ns.kernel, params=params)
    if ns.labels is not None or ns.target is not None:
        raise ValueError("--dataset brings its own target (choose it with --dataset-target)")
    from ..krr import real_dataset

    try:
        X, f = real_dataset(ns.dataset, ns.dataset_target)
    except ImportError as exc:
        raise ValueError(str(exc)) from None
    return Source(f"{ns.dataset}:{ns.dataset_target}", f, X=X, kernel=ns.kernel, params=params)


def read_array(path, what, max_elements=None):
    """The array in ``path`` (.npy, or .csv with ``#`` comments), read by the bounded readers of
    :mod:`rgflow._io` (size limits, numeric types only); ValueError naming ``what`` otherwise."""
    import pathlib

    from .._io import read_csv_numbers, read_npy

    suffix = pathlib.Path(path).suffix.lower()
    if suffix == ".npy":
        return read_npy(path, what) if max_elements is None else read_npy(path, what, max_elements=max_elements)
    if suffix == ".csv":
        return read_csv_numbers(path, what)
    raise ValueError(f"{what} file must end in .npy or .csv, got {str(path)!r}")


def vector(arr, what):
    """``arr`` as a vector (a single row or column is flattened); ValueError naming ``what`` otherwise."""
    import numpy as np

    arr = np.asarray(arr)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{what} must hold one value per data point (a vector), got shape {arr.shape}")
    return arr
