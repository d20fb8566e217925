"""Timing a scenario: medians of interleaved runs (wall and CPU time), query counts, and the
:class:`Bench` handed to each scenario's ``measure``."""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Timing:
    """Medians of repeated runs of one callable: wall and CPU milliseconds."""

    wall_ms: float
    cpu_ms: float
    runs: int


def count_queries(function: Callable[[], object]) -> int:
    """The queries ``function`` sends (a wrapper on the connection, which the test client's
    ``request_started`` reset of ``connection.queries`` cannot hide)."""
    return len(capture_queries(function))


def capture_queries(function: Callable[[], object]) -> list[str]:
    from django.db import connection

    sent: list[str] = []

    def wrapper(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        function()
    return sent


def _timed(function: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def time_one(function: Callable[[], object], repeat: int) -> Timing:
    """Medians of ``repeat`` runs of one callable (wall and CPU ms)."""
    gc.collect()
    runs = [_timed(function) for _ in range(repeat)]
    return Timing(
        wall_ms=statistics.median(r[0] for r in runs),
        cpu_ms=statistics.median(r[1] for r in runs),
        runs=repeat,
    )


def time_pair(
    measured: Callable[[], object], baseline: Callable[[], object], repeat: int
) -> tuple[Timing, Timing]:
    """Both callables ``repeat`` times, interleaved, so that a busy moment hits both alike."""
    gc.collect()
    mine: list[tuple[float, float]] = []
    base: list[tuple[float, float]] = []
    for _ in range(repeat):
        mine.append(_timed(measured))
        base.append(_timed(baseline))

    def medians(runs) -> Timing:
        return Timing(
            wall_ms=statistics.median(r[0] for r in runs),
            cpu_ms=statistics.median(r[1] for r in runs),
            runs=repeat,
        )

    return medians(mine), medians(base)


class Bench:
    """What a scenario's ``measure`` gets: its sizes, the timers, and a place for failures."""

    def __init__(self, args: argparse.Namespace, database: str) -> None:
        self.quick: bool = args.quick
        self.repeat: int = args.repeat
        self.database = database
        self._sizes: list[int] | None = (
            [int(size) for size in args.sizes.split(",")] if args.sizes else None
        )
        self.failures: list[str] = []
        self.seconds: dict[str, float] = {}  # each scenario's, setup included

    def sizes(self, cls) -> list[int]:
        if self._sizes:
            return list(self._sizes)
        if self.quick:
            return [max(10, size // 10) for size in cls.sizes]
        return list(cls.sizes)

    def time_pair(self, measured, baseline, repeat: int | None = None) -> tuple[Timing, Timing]:
        return time_pair(measured, baseline, repeat or self.repeat)

    def time_one(self, function, repeat: int | None = None) -> Timing:
        return time_one(function, repeat or self.repeat)

    count_queries = staticmethod(count_queries)

    def fail(self, message: str) -> None:
        self.failures.append(message)
