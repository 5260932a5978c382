"""Progress on stderr for long steps: one line per step, or a bar that redraws in place on a terminal.

Every write goes through :func:`say`, which never raises (a closed or broken stderr only silences it).
"""

from __future__ import annotations

import sys
import time

__all__ = ["say", "Progress", "quiet_startup_interrupt"]


def quiet_startup_interrupt(argv0=None) -> bool:
    """When the process is the ``rgflow`` command (``python -m rgflow`` or the console script), make a
    SIGINT that arrives while the modules are still being imported end in one line and exit status
    130 instead of a KeyboardInterrupt traceback. :func:`rgflow.cli.main` installs its own handler
    as soon as it runs (and restores this one). Returns True if the handler was installed."""
    import os
    import signal
    import threading

    argv0 = (sys.argv[:1] or [""])[0] if argv0 is None else argv0
    command = argv0 == "-m" or os.path.basename(str(argv0)) in ("rgflow", "rgflow.exe", "rgflow-script.py")
    if (
        not command
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        return False

    def interrupted(signum, frame):  # imports nothing: it may run while any module is half imported
        try:
            sys.stderr.write("rgflow: error: interrupted (SIGINT)\n")
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
            pass
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, interrupted)
    return True


def say(text: str, end: str = "\n") -> None:
    """Write ``rgflow: text`` to stderr (:func:`rgflow._io.say`: a broken stream is ignored)."""
    from ._io import say as write

    write(f"rgflow: {text}", end=end)


def _isatty() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except Exception:  # noqa: BLE001
        return False


class Progress:
    """A progress bar for a loop of ``total`` steps: ``with Progress("fig8", 15) as bar: ... bar.step()``.

    On a terminal the bar redraws in place (``\\r``); otherwise it writes one line per step, so that
    logs show the same information. The closing line gives the elapsed time.
    """

    def __init__(self, label: str, total: int, width: int = 24):
        self.label, self.total, self.width = label, max(int(total), 1), width
        self.done, self.t0, self.tty = 0, time.perf_counter(), _isatty()

    def __enter__(self):
        self._draw("")
        return self

    def step(self, what: str = "") -> None:
        """Mark one step as done (``what`` names it)."""
        self.done = min(self.done + 1, self.total)
        self._draw(what)

    def advance_to(self, fraction: float, what: str = "") -> None:
        """Step the bar up to ``fraction`` ∈ [0, 1] of its steps (for work that reports (done, total))."""
        while self.done < min(int(fraction * self.total), self.total):
            self.step(what)

    def _draw(self, what):
        fill = round(self.width * self.done / self.total)
        bar = "#" * fill + "." * (self.width - fill)
        text = f"{self.label} [{bar}] {self.done}/{self.total} {time.perf_counter() - self.t0:5.1f} s {what}"
        if self.tty:
            say(text.ljust(78), end="\r")
        elif self.done:
            say(text)

    def __exit__(self, *exc):
        if self.tty:
            say(" " * 78, end="\r")
        return False
