"""``make bench``: time each scenario at each size against its raw-SQL baseline.

    python -m bench.run [--scenario NAME ...] [--sizes 1000,10000] [--repeat 15] [--quick]

Runs on a temporary SQLite file, or on PostgreSQL when BENCH_DATABASE_URL is set (a
``test_<name>`` database is created and dropped). Prints one row per scenario and size:
median time of the Comptoir path, its query count, median time of the baseline, and the
ratio. Exits 1 when a scenario fails or when its query count grows with the size.
``--quick`` (what CI runs) divides each scenario's sizes by ten and times 3 runs.
Scenarios served through a real server (``served = True``, see ``bench/served.py``) run last
and add their own table: requests per second and p50/p99 against a trivial view.
"""

import argparse
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from bench.database import open_bench_database

REPEAT = 15


@dataclass
class Row:
    scenario: str
    size: int
    median_ms: float
    queries: int
    baseline_ms: float

    @property
    def ratio(self) -> float:
        return self.median_ms / self.baseline_ms if self.baseline_ms else float("inf")


def median_ms(function: Callable[[], None], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def count_queries(function: Callable[[], None]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def measure(scenario, size: int, repeat: int) -> Row:
    scenario.setup(size)
    scenario.run()  # warm up (and check the answer) before timing
    scenario.baseline()
    queries = count_queries(scenario.run)
    return Row(
        scenario=scenario.name,
        size=size,
        median_ms=median_ms(scenario.run, repeat),
        queries=queries,
        baseline_ms=median_ms(scenario.baseline, repeat),
    )


def print_table(rows: list[Row]) -> None:
    header = ("scenario", "size", "comptoir ms", "queries", "raw SQL ms", "ratio")
    lines = [
        (
            r.scenario,
            f"{r.size:,}",
            f"{r.median_ms:.2f}",
            str(r.queries),
            f"{r.baseline_ms:.2f}",
            f"{r.ratio:.1f}x",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def join(cells) -> str:  # the first column to the left, the numbers to the right
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    print(join(header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(join(line))


def served_row(row) -> Row:
    """A served page in the main table: its p50 against the floor's p50 as the baseline."""
    return Row(
        scenario=f"served {row.page}",
        size=row.size,
        median_ms=row.load.percentile(50),
        queries=row.queries,
        baseline_ms=row.floor.percentile(50),
    )


def print_served(served: list) -> None:
    """Requests per second and p50/p99 of each served page beside the floor's."""
    floor = served[0].floor
    print(
        f"\nServed by {served[0].via} on 127.0.0.1; the floor is a trivial view of the same "
        f"server: {floor.per_second:.0f} req/s, p50 {floor.percentile(50):.1f} ms, "
        f"p99 {floor.percentile(99):.1f} ms ({floor.requests} requests)."
    )
    header = ("page", "size", "requests", "req/s", "p50 ms", "p99 ms", "floor/page req/s")
    lines = [
        (
            row.page + (" (time cap)" if row.load.capped else ""),
            f"{row.size:,}",
            str(row.load.requests),
            f"{row.load.per_second:.1f}",
            f"{row.load.percentile(50):.1f}",
            f"{row.load.percentile(99):.1f}",
            f"{floor.per_second / row.load.per_second:.1f}x" if row.load.per_second else "-",
        )
        for row in served
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def join(cells) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    print(join(header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(join(line))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Comptoir benchmarks")
    parser.add_argument("--scenario", action="append", help="Run only this one (repeatable).")
    parser.add_argument("--sizes", help="Sizes to use instead of each scenario's, e.g. 100,1000.")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="Timed runs per measure.")
    parser.add_argument(
        "--quick", action="store_true", help="A tenth of each size, 3 runs: a smoke test."
    )
    parser.add_argument("--list", action="store_true", help="List the scenarios and stop.")
    return parser.parse_args(argv)


def sizes_for(cls, args: argparse.Namespace) -> list[int]:
    if args.sizes:
        return [int(size) for size in args.sizes.split(",")]
    if args.quick:
        return [max(10, size // 10) for size in cls.sizes]
    return list(cls.sizes)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quick and args.repeat == REPEAT:
        args.repeat = 3
    description, cleanup = open_bench_database(os.environ.get("BENCH_DATABASE_URL"))
    try:
        import bench.scenarios  # noqa: F401 (each scenario module registers itself)
        from bench.registry import SCENARIOS, ScenarioError

        if args.list:
            for name, cls in SCENARIOS.items():
                sizes = ", ".join(map(str, cls.sizes)) or "those of each page's scenario"
                print(f"{name:<20} {cls.description} (sizes {sizes})")
            return 0
        names = args.scenario or list(SCENARIOS)
        unknown = sorted(set(names) - set(SCENARIOS))
        if unknown:
            print(f"Unknown scenario: {', '.join(unknown)}. Known: {', '.join(SCENARIOS)}")
            return 2
        names.sort(key=lambda name: getattr(SCENARIOS[name], "served", False))  # servers last
        print(f"Benchmarks on {description}, median of {args.repeat} runs\n")
        rows: list[Row] = []
        failures: list[str] = []
        served: list = []
        for name in names:
            cls = SCENARIOS[name]
            if getattr(cls, "served", False):  # through a real server: bench/served.py
                try:
                    served_rows, problems = cls().measure(
                        quick=args.quick, count_queries=count_queries
                    )
                except Exception as error:
                    traceback.print_exc()
                    served_rows, problems = [], [f"{name}: {type(error).__name__}: {error}"]
                served += served_rows
                rows += [served_row(row) for row in served_rows]
                failures += problems
                continue
            scenario_rows = []
            for size in sizes_for(cls, args):
                try:
                    scenario_rows.append(measure(cls(), size, args.repeat))
                except ScenarioError as error:
                    failures.append(f"{name} at {size:,}: {error}")
                    break
                except Exception as error:  # one broken scenario must not hide the others
                    traceback.print_exc()
                    failures.append(f"{name} at {size:,}: {type(error).__name__}: {error}")
                    break
            rows += scenario_rows
            counts = {row.size: row.queries for row in scenario_rows}
            if cls.constant_queries and len(set(counts.values())) > 1:
                failures.append(
                    f"{name}: the query count grows with the size: "
                    + ", ".join(f"{q} queries at {s:,}" for s, q in counts.items())
                )
        if rows:
            print_table(rows)
        if served:
            print_served(served)
        if failures:
            print("\nFAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
            return 1
        print("\nNo failure; query counts stay flat wherever a scenario requires it.")
        return 0
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
