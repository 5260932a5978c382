"""The data source of ``rgflow spectrum`` and ``rgflow krr``, declared and read once: exactly one of
``--gram FILE.npy --target FILE.npy``, ``--features FILE --labels FILE --kernel NAME [--kernel-param
KEY=VALUE ...] [--standardize]`` or ``--dataset NAME [--dataset-target class|smooth] --kernel NAME``.
CSV files may start with a header row."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._common import real

SOURCES = ("--gram", "--features", "--dataset")


def add_source_args(p):
    """Declare the three sources and their options (target, labels, kernel and its parameters)."""
    from ..kernels import kernel_names
    from ..krr import DATASETS, TARGETS

    src = p.add_argument_group("source (exactly one)")
    src.add_argument("--gram", default=None, metavar="FILE.npy", help="an N × N Gram matrix (with --target)")
    src.add_argument(
        "--features",
        default=None,
        metavar="FILE",
        help="an N × d feature matrix, .npy or .csv (with --labels and --kernel)",
    )
    src.add_argument(
        "--dataset",
        choices=DATASETS,
        default=None,
        help="a data set bundled with scikit-learn (features standardized; needs rgflow[data])",
    )
    p.add_argument("--target", default=None, metavar="FILE.npy", help="target values f_i (length N) of --gram")
    p.add_argument("--labels", default=None, metavar="FILE", help="target values f_i of --features (.npy or .csv)")
    p.add_argument(
        "--dataset-target",
        dest="dataset_target",
        choices=TARGETS,
        default="class",
        help="target of --dataset: class (one-vs-rest indicator, default) or smooth (tanh of a "
        "random projection), as in rgflow.krr.real_dataset",
    )
    p.add_argument(
        "--kernel",
        default="rbf",
        metavar="NAME",
        help="kernel of --features/--dataset (default rbf): "
        + ", ".join(kernel_names())
        + " (rgflow's own, scikit-learn's pairwise names, its Gaussian-process kernels)",
    )
    p.add_argument(
        "--kernel-param",
        dest="kernel_param",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="a parameter of --kernel, repeatable (e.g. --kernel ntk-relu --kernel-param depth=3, "
        "--kernel matern --kernel-param nu=1.5 --kernel-param length_scale=2)",
    )
    p.add_argument("--gamma", type=real, default=None, help="width of rbf/laplace (default 1/d)")
    p.add_argument("--bias", type=real, default=None, help="bias variance of the ntk kernel (default 1)")
    p.add_argument(
        "--standardize",
        action="store_true",
        help="standardize the --features columns (zero mean, unit variance; --dataset already is); "
        "without it a warning when the columns' scales differ by more than 100x",
    )


def _param_value(text):
    """KEY=VALUE's value: an int, a float, true/false, none, or else the string itself."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def kernel_params(ns) -> dict:
    """The kernel's parameters: --gamma, --bias and every --kernel-param KEY=VALUE (ValueError on a bad
    or repeated key)."""
    params = {k: v for k, v in (("gamma", ns.gamma), ("bias", ns.bias)) if v is not None}
    for item in ns.kernel_param or ():
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"--kernel-param must be KEY=VALUE (KEY a parameter name), got {str(item)[:60]!r}")
        if key in params:
            raise ValueError(f"--kernel-param: the parameter {key!r} is given twice")
        params[key] = _param_value(value)
    return params


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
    params = kernel_params(ns)
    if ns.gram is not None:
        if ns.target is None:
            raise ValueError("--gram needs --target FILE.npy (the target values)")
        if (
            ns.labels is not None
            or params
            or getattr(ns, "standardize", False)
            or any(getattr(ns, k, None) is not None for k in gram_excludes)
        ):
            no = ", ".join(["--labels", "--gamma", "--bias", "--kernel-param", *(f"--{k}" for k in gram_excludes)])
            raise ValueError(f"--gram takes --target only (no {no}, --standardize)")
        from ..data import MAX_DENSE

        K = read_array(ns.gram, "--gram", max_elements=MAX_DENSE**2)
        return Source("gram", vector(read_array(ns.target, "--target"), "--target"), K=K)
    if ns.features is not None:
        if ns.target is not None:
            raise ValueError("--target goes with --gram; --features takes --labels FILE")
        if ns.labels is None:
            raise ValueError("--features needs --labels FILE (the target values)")
        import numpy as np

        from ..data import standardize_features

        X = read_array(ns.features, "--features")
        f = vector(read_array(ns.labels, "--labels"), "--labels")
        if np.ndim(X) == 2:
            _resolve(ns.kernel, X.shape[1], params)  # a bad kernel is refused before any warning
        X = standardize_features(X, standardize=bool(getattr(ns, "standardize", False)))
        return Source("features", f, X=X, kernel=ns.kernel, params=params)
    if ns.labels is not None or ns.target is not None:
        raise ValueError("--dataset brings its own target (choose it with --dataset-target)")
    from ..krr import real_dataset

    try:
        X, f = real_dataset(ns.dataset, ns.dataset_target)
    except ImportError as exc:
        raise ValueError(str(exc)) from None
    _resolve(ns.kernel, X.shape[1], params)
    return Source(f"{ns.dataset}:{ns.dataset_target}", f, X=X, kernel=ns.kernel, params=params)


def _resolve(kernel, d, params):
    """Validate --kernel and its parameters before any Gram matrix is built (ValueError)."""
    from ..kernels import resolve_kernel

    resolve_kernel(kernel, d, params)


def read_array(path, what, max_elements=None):
    """The array in ``path`` (.npy, or .csv with ``#`` comments), read by the bounded readers of
    :mod:`rgflow._io` (size limits, numeric types only); ValueError naming ``what`` otherwise."""
    import pathlib

    from .._io import read_csv_numbers, read_npy

    suffix = pathlib.Path(path).suffix.lower()
    if suffix == ".npy":
        return read_npy(path, what) if max_elements is None else read_npy(path, what, max_elements=max_elements)
    if suffix == ".csv":
        return _read_csv_table(path, what, read_csv_numbers)
    raise ValueError(f"{what} file must end in .npy or .csv, got {str(path)!r}")


def _read_csv_table(path, what, read_csv_numbers):
    """A CSV of numbers, with or without a header row: the first non-comment line is a header when one of
    its cells is not a number (it is skipped; the column count must match). Read by the bounded reader."""
    import io

    import numpy as np

    from .._io import check_input_file, read_text_input, warnings_as_errors

    name = check_input_file(path, what)
    text = read_text_input(name, what)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), None)
    if first is None:
        return read_csv_numbers(path, what)  # its message: holds no numbers
    cells = [c.strip() for c in lines[first].split(",")]

    def number(c):
        try:
            float(c)
            return True
        except ValueError:
            return False

    if all(number(c) for c in cells):
        return read_csv_numbers(path, what)
    body = "\n".join(lines[first + 1 :])
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines[first + 1 :]):
        raise ValueError(f"{what} {name}: a header row ({lines[first][:60]!r}) and no numbers")
    try:
        with warnings_as_errors():
            arr = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2, comments="#", dtype=float)
    except (ValueError, UserWarning, IndexError) as exc:
        import re

        reason = re.sub(
            r'"?<_io\.StringIO object at 0x[0-9a-f]+>"?',
            "the file",
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        raise ValueError(f"{what} {name}: not a CSV table of numbers below its header ({reason[:160]})") from None
    if arr.shape[1] != len(cells):
        raise ValueError(f"{what} {name}: the header names {len(cells)} columns, the rows hold {arr.shape[1]}")
    return arr


def vector(arr, what):
    """``arr`` as a vector (a single row or column is flattened); ValueError naming ``what`` otherwise."""
    import numpy as np

    arr = np.asarray(arr)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{what} must hold one value per data point (a vector), got shape {arr.shape}")
    return arr
