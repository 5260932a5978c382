"""The long profile of the fuzz suite (tests/test_fuzz.py): more examples per entry point, a 20 s
per-example deadline, the slowest call per entry point and the outcome counts written to a JSON file.

    python bench/fuzz.py [--examples 100] [--cutoff 3000] [--times fuzz_times.json] [-k EXPR]

Prints the pytest summary, then per test: examples (calls), outcomes and the slowest call in seconds.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=100, help="hypothesis examples per test (default 100)")
    ap.add_argument("--cutoff", type=int, default=3000, help="largest P and cutoff drawn (default 3000)")
    ap.add_argument("--times", default="fuzz_times.json", help="where to write the timings (default fuzz_times.json)")
    ap.add_argument("-k", default=None, help="pytest -k expression (a subset of the tests)")
    ns = ap.parse_args(argv)
    env = dict(
        os.environ,
        RGFLOW_FUZZ="long",
        RGFLOW_FUZZ_EXAMPLES=str(ns.examples),
        RGFLOW_FUZZ_CUTOFF=str(ns.cutoff),
        RGFLOW_FUZZ_TIMES=str(pathlib.Path(ns.times).resolve()),
    )
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz.py"]
    if ns.k:
        cmd += ["-k", ns.k]
    t0 = time.perf_counter()
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    print(f"# wall time {time.perf_counter() - t0:.0f} s, pytest exit {code}")
    data = json.loads(pathlib.Path(ns.times).read_text())
    print(f"{'test':40s} {'calls':>6s} {'slowest s':>10s}  outcomes")
    for test, secs in sorted(data["max_seconds"].items()):
        outcomes = data["outcomes"].get(test, {})
        print(f"{test:40s} {sum(outcomes.values()):6d} {secs:10.2f}  {outcomes}")
    print(f"# slowest call overall: {max(data['max_seconds'].values()):.2f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
