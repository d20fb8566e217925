"""The scenario registry: what a bench scenario is, what it returns, and how to add one.

Adding a scenario
-----------------
Create ``bench/scenarios/<name>.py`` with a subclass of :class:`Scenario` decorated with
``@register``, and import the module in ``bench/scenarios/__init__.py``. Two ways to write it:

1. **A timed pair** (most scenarios): implement ``setup(size)``, ``run()`` and ``baseline()``.
   ``setup`` builds the data for one size (``bench.generate`` helps) and keeps state on
   ``self``; ``run`` takes the Comptoir path once and raises :class:`ScenarioError` when the
   answer is wrong; ``baseline`` does the same work the plain way (raw SQL with
   ``django.db.connection.cursor()``, a bare loop...). It must do *the same work*: same rows
   read or written, same validation; a baseline that skips work flatters the ratio. The
   runner warms both up, counts ``run``'s queries, then times them **interleaved** (run,
   baseline, run, baseline...) with wall time (``time.perf_counter``) and CPU time of this
   process (``time.process_time``), and reports the medians and their ratios. Set
   ``constant_queries = True`` (the default) for anything listed or paged: the run fails when
   ``run``'s query count differs between sizes. ``teardown()`` runs after each size.

2. **Your own measure** (a real server, a worker process, a latency run): override
   ``measure(self, bench) -> list[Result]``. ``bench`` is a :class:`Bench`: ``bench.sizes(cls)``
   gives the sizes to use (``--sizes``, or a tenth with ``--quick``), ``bench.quick`` says
   whether to keep it short (CI runs ``--quick``: keep yours to a few seconds there),
   ``bench.repeat``, ``bench.time_pair(run, baseline)`` times a pair interleaved and
   ``bench.count_queries(fn)`` counts a call's queries; ``bench.fail(message)`` records a
   failure without stopping the other scenarios. Fill a :class:`Result` per measure; any field
   left ``None`` is left out of the table and of ``bench/results.json``. Give results of one
   kind the same ``kind`` (``"worker"``, ``"latency"``...): the runner prints one table per
   kind, with the columns your results fill, and ``extra`` for anything else (printed and
   written as is). ``target`` (text) and ``met`` (bool) say what was aimed at; timings never
   fail the run (the machine is shared and noisy): only errors and growing query counts do.

Example of the second form::

    @register
    class RealWorker(Scenario):
        name = "real_worker"
        description = "deliveries through the db_worker process against a bare send loop"
        sizes = (300,)

        def measure(self, bench):
            results = []
            for size in bench.sizes(type(self)):
                per_second, bare_per_second, rss = ...  # your run
                results.append(Result(
                    scenario=self.name, size=size, kind="worker",
                    label="deliveries/s vs a bare send loop",
                    rps=per_second, baseline_rps=bare_per_second,
                    rss_mib=rss, target=">= 0.5x", met=per_second >= 0.5 * bare_per_second,
                ))
            return results
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from bench.timing import Timing

if TYPE_CHECKING:
    from bench.timing import Bench


class ScenarioError(Exception):
    """The scenario cannot run or its Comptoir path answered wrongly."""


@dataclass
class Result:
    """One measure, as printed in the tables and written to ``bench/results.json``.

    ``kind`` groups results into tables: ``"timed"`` (a path against its baseline, in this
    process), ``"served"`` (a page against an empty page of the same server), or any name a
    scenario chooses. Ratios: for timed pairs, ``wall_ratio``/``cpu_ratio`` are the path's
    cost over the baseline's (1.0 = as cheap, 2.0 = twice the cost); for served pages,
    ``rps_ratio`` is the page's requests per second over the empty page's (1.0 = as fast).
    """

    scenario: str
    size: int
    kind: str = "timed"
    label: str = ""  # what is measured against what
    wall_ms: float | None = None
    cpu_ms: float | None = None
    baseline_wall_ms: float | None = None
    baseline_cpu_ms: float | None = None
    queries: int | None = None
    rps: float | None = None
    baseline_rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    baseline_p50_ms: float | None = None
    baseline_p99_ms: float | None = None
    server_cpu_ms: float | None = None  # CPU time of the server's workers per request
    baseline_server_cpu_ms: float | None = None
    html_kib: float | None = None
    rss_mib: dict[str, float] | None = None  # e.g. {"start": 61.0, "middle": 80.2, "end": 80.4}
    rss_flat: bool | None = None
    target: str | None = None
    met: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def wall_ratio(self) -> float | None:
        return _ratio(self.wall_ms, self.baseline_wall_ms)

    @property
    def cpu_ratio(self) -> float | None:
        return _ratio(self.cpu_ms, self.baseline_cpu_ms)

    @property
    def rps_ratio(self) -> float | None:
        return _ratio(self.rps, self.baseline_rps)

    @property
    def server_cpu_ratio(self) -> float | None:
        """The empty page's server CPU per request over the page's (1.0 = as cheap)."""
        return _ratio(self.baseline_server_cpu_ms, self.server_cpu_ms)

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in dataclasses.asdict(self).items() if v is not None and v != {}}
        for name in ("wall_ratio", "cpu_ratio", "rps_ratio", "server_cpu_ratio"):
            value = getattr(self, name)
            if value is not None:
                data[name] = round(value, 3)
        return data


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


class Scenario:
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    sizes: ClassVar[tuple[int, ...]] = (1_000, 10_000)
    constant_queries: ClassVar[bool] = True
    label: ClassVar[str] = "Comptoir/SQL"  # what the timed pair compares, in the table

    def setup(self, size: int) -> None:
        raise NotImplementedError

    def run(self) -> None:
        raise NotImplementedError

    def baseline(self) -> None:
        raise NotImplementedError

    def teardown(self) -> None:
        """After each size (optional)."""

    def measure(self, bench: Bench) -> list[Result]:
        """The timed pair at each size; override for a measure of your own (see above)."""
        results: list[Result] = []
        for size in bench.sizes(type(self)):
            self.setup(size)
            try:
                self.run()  # warm up (and check the answer) before timing
                self.baseline()
                queries = bench.count_queries(self.run)
                measured, base = bench.time_pair(self.run, self.baseline)
                results.append(self.result(size, queries, measured, base))
            finally:
                self.teardown()
        return results

    def result(self, size: int, queries: int, measured: Timing, base: Timing) -> Result:
        return Result(
            scenario=self.name,
            size=size,
            label=self.label,
            wall_ms=measured.wall_ms,
            cpu_ms=measured.cpu_ms,
            baseline_wall_ms=base.wall_ms,
            baseline_cpu_ms=base.cpu_ms,
            queries=queries,
        )


SCENARIOS: dict[str, type[Scenario]] = {}


def register(cls: type[Scenario]) -> type[Scenario]:
    if not cls.name or cls.name in SCENARIOS:
        raise ValueError(f"A scenario needs a unique name: {cls.__name__}")
    SCENARIOS[cls.name] = cls
    return cls


__all__ = ["SCENARIOS", "Result", "Scenario", "ScenarioError", "Timing", "register"]
