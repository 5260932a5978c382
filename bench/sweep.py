"""Sweep throughput, measured side by side in one run: serial, workers=1 (the same serial loop),
workers=2 (a process pool) and a local Dask cluster (2 worker processes on 127.0.0.1) against
serial; every table is checked equal to the serial one. The machine is shared: read the ratios.

    python bench/sweep.py            # 48 combinations of `rg` at P = Λ from 10^5 to 10^6 (about a minute)

Worker start-up is included in every time (a sweep pays it too); the Dask cluster is started
before its timer (an existing cluster is what --scheduler uses).
"""

from __future__ import annotations

import os
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

import rgflow  # noqa: E402

GRID = dict(alpha=[0.2, 0.3], beta=[0.3, 0.8], P="100000:1000000:3", kappa=[4.0, 40.0], U=[0.02, 0.05], method="rg")


def timed(repeat=2, **kw):
    """Best of ``repeat`` runs of the sweep (the machine is shared)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = rgflow.sweep(**GRID, **kw)
        best = min(best, time.perf_counter() - t0)
    return best, rows


def warm():
    """Import everything a row needs (scipy, the flow) in this process: not part of a sweep's cost."""
    rgflow.sweep(alpha=0.2, beta=0.3, P=1000, kappa=4.0, U=0.05, method=GRID["method"])


def main():
    print(f"rgflow sweep throughput ({os.cpu_count()} cores; grid {GRID})")
    warm()
    t_serial, serial = timed()
    n = len(serial)
    results = [("serial", t_serial, True)]
    for w in (1, 2):
        t, rows = timed(workers=w)
        results.append(
            (f"workers={w}" + (" (runs in-process, no pool)" if w == 1 else " (process pool)"), t, rows == serial)
        )
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("  (Dask distributed not installed: pip install 'rgflow[dask]')")
    else:
        with (
            LocalCluster(
                host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(warm)  # the workers import rgflow and scipy once, untimed
            t, rows = timed(client=client)
            results.append(("local Dask cluster, 2 workers", t, rows == serial))
    print(f"\n| mode | {n} rows in | rows/s | vs serial | table equal to serial |\n|---|---|---|---|---|")
    for name, t, same in results:
        print(f"| {name} | {t:.2f} s | {n / t:.1f} | {t_serial / t:.2f}× | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
