"""Run a few long-lived commands together; stop them all when one stops or on Ctrl-C.

Each child runs in its own session (process group), so a terminal's Ctrl-C reaches only the
supervisor, which then stops every child the same way: SIGTERM to its group (Django's
runserver stops, db_worker finishes its task first), then SIGKILL after a grace period.
Their output is shown line by line with a ``[name]`` prefix.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


class Stop(Exception):
    """Raised in the main thread by SIGTERM/SIGHUP, like KeyboardInterrupt for Ctrl-C."""


def raise_stop_on_signals() -> None:
    def _raise(signum, frame):
        raise Stop(signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise)
    # Started in the background by a shell, we may have inherited an ignored SIGINT: take
    # Ctrl-C back, so that our children (which would inherit "ignored") get it back too.
    signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen
    reader: threading.Thread | None = None


@dataclass
class Supervisor:
    env: dict[str, str]
    write: Callable[[str], None]
    children: list[Child] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def say(self, line: str) -> None:
        with self._lock:
            self.write(line)

    def spawn(self, name: str, argv: Sequence[str]) -> Child:
        process = subprocess.Popen(  # noqa: S603 (our own commands, no shell)
            list(argv),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        child = Child(name, list(argv), process)
        child.reader = threading.Thread(target=self._relay, args=(child,), daemon=True)
        child.reader.start()
        self.children.append(child)
        return child

    def _relay(self, child: Child) -> None:
        assert child.process.stdout is not None
        for line in child.process.stdout:
            self.say(f"[{child.name}] {line.rstrip()}")

    def exited(self) -> Child | None:
        """The first child that stopped by itself, if any."""
        return next((c for c in self.children if c.process.poll() is not None), None)

    def wait_for_http(self, url: str, timeout: float = 60.0) -> bool:
        """Poll ``url`` until it answers (any HTTP status) or a child dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                return False
            try:
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (http://127.0.0.1 only)
                    return True
            except urllib.error.HTTPError:
                return True  # it answered
            except OSError:
                time.sleep(0.3)
        return False

    def wait(self) -> Child:
        """Block until a child stops by itself (Ctrl-C and SIGTERM interrupt this)."""
        while True:
            child = self.exited()
            if child is not None:
                return child
            time.sleep(0.5)

    def stop_all(self, grace: float = 10.0) -> None:
        for child in self.children:
            _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"[{child.name}] did not stop within {grace:.0f} s: killed")
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()
        for child in self.children:
            if child.reader is not None:
                child.reader.join(timeout=2)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    # The child leads its own session: its process group id is its pid.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def comptoir_argv(*args: str) -> list[str]:
    """The ``comptoir`` command run by this very interpreter."""
    return [sys.executable, "-m", "comptoir", *args]
