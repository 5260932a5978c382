"""The hostile-files corpus (issue 26): corrupt, truncated and empty archives, a zip bomb, odd dtypes
(record, bool, complex, string, object), 2-D/3-D arrays, huge .npy headers and shapes, a 2 GB sparse
CSV, garbage CSV, bad meta (deeply nested, a number, a list, a negative dropped power), a FIFO, a
directory and a missing file, fed to every subcommand and flag that reads a file.

    python bench/hostile_files.py [--results bench/hostile_files_results.txt]

A probe is answered cleanly when the command ends within 30 s with exit status 2 and exactly one line
``rgflow: error: ...`` on stderr (no traceback, no "internal error", nothing on stdout, no allow_pickle
hint). Prints one line per probe that is not, and the counts; writes the summary to --results.
"""

import argparse
import contextlib
import io
import os
import pathlib
import sys
import tempfile
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_robust_hostile_input import hostile_arrays, hostile_files  # noqa: E402

from rgflow.cli import main  # noqa: E402

LIMIT = 30.0


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            code = main([str(a) for a in argv])
        except BaseException as exc:  # noqa: BLE001  (counted as not clean)
            code = f"raised {type(exc).__name__}"
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - t0


def clean(code, out, err, seconds):
    return (
        code == 2
        and not out
        and err.startswith("rgflow: error: ")
        and err.count("\n") == 1
        and "Traceback" not in err
        and "internal error" not in err
        and "allow_pickle" not in err
        and seconds < LIMIT
    )


def probes(folder):
    files = hostile_files(folder)
    os.mkdir(os.path.join(folder, "arrays"))
    arrays = hostile_arrays(os.path.join(folder, "arrays"))
    spectra = {k: p for k, (p, words) in files.items() if words}
    for name, path in spectra.items():
        for sub in (
            ["predict", "--P", 10, "--kappa", 1],
            ["curve", "--P", "10,20", "--kappa", 1],
            ["sweep", "--P", "10,20", "--kappa", 1, "--quiet"],
            ["surface", "--P", "10,20", "--cutoff", "10,20", "--kappa", 1],
            ["dynamics", "--P", 10, "--kappa", 1],
            ["transfer", "--P", 10, "--kappa", 1, "--to-P", 20],
            ["flow", "--P", 10, "--kappa", 1],
        ):
            yield f"{sub[0]} --spectrum {name}", [*sub, "--spectrum", path]
        if name == "missing.npz":
            continue  # --resume on a file that does not exist starts the table afresh (exit 0)
        yield (
            f"sweep --resume --out {name}",
            ["sweep", "--alpha", 0.2, "--beta", 0.3, "--P", 10, "--kappa", 1, "--resume", "--out", path, "--quiet"],
        )
    good = arrays["zeros.npy"][0]
    every = {**{k: p for k, (p, _) in arrays.items()}, **spectra}
    for name, path in every.items():
        for flag in ("--gram", "--target"):
            argv = ["spectrum", "--gram", good, "--target", good, "--out", os.devnull + ".npz"]
            argv[argv.index(flag) + 1] = path
            yield f"spectrum {flag} {name}", argv
        for flag in ("--features", "--labels"):
            argv = ["spectrum", "--features", good, "--labels", good, "--out", os.devnull + ".npz"]
            argv[argv.index(flag) + 1] = path
            yield f"spectrum {flag} {name}", argv
            argv = ["krr", "--features", good, "--labels", good, "--P", "5,10", "--kappa", "0.1"]
            argv[argv.index(flag) + 1] = path
            yield f"krr {flag} {name}", argv


def main_(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=str(ROOT / "bench" / "hostile_files_results.txt"))
    ns = ap.parse_args(argv)
    tried = answered = 0
    slowest = (0.0, "")
    failures = []
    with tempfile.TemporaryDirectory() as folder:
        for label, argv_ in probes(folder):
            code, out, err, seconds = run(argv_)
            tried += 1
            slowest = max(slowest, (seconds, label))
            if clean(code, out, err, seconds):
                answered += 1
            else:
                failures.append(f"NOT CLEAN: {label}: exit {code}, {seconds:.1f} s, {err.strip()[:200]!r}")
                print(failures[-1])
    summary = (
        f"hostile files: {tried} probes tried, {answered} answered cleanly (exit 2, one line, < {LIMIT:g} s), "
        f"{tried - answered} not; slowest {slowest[0]:.2f} s ({slowest[1]})"
    )
    print(summary)
    pathlib.Path(ns.results).write_text(
        "# python bench/hostile_files.py\n" + summary + "\n" + "".join(f"{f}\n" for f in failures)
    )
    return 0 if answered == tried else 1


if __name__ == "__main__":
    sys.exit(main_())
