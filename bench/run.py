"""``make bench``: each scenario at each size against its baseline; a table and a JSON file.

    python -m bench.run [--scenario NAME ...] [--sizes 1000,10000] [--repeat 15] [--quick]
                        [--output bench/results.json] [--list]

Runs on a temporary SQLite file, or on PostgreSQL when BENCH_DATABASE_URL is set (a
``test_<name>_<pid>`` database is created and dropped). A timed pair runs interleaved (path,
baseline, path, baseline...), each run timed in wall time and in CPU time of this process;
the table shows their medians and ratios (path over baseline). Page scenarios time their
selectors against the raw SQL of the same reads; the served pages (``served_pages``) put each
page through the production server against an empty page of the same layout. Everything
measured is written to ``bench/results.json`` (see ``bench.registry.Result``).
Exits 1 when a scenario fails or when a query count grows with the size; timings never fail
the run. ``--quick`` (what CI runs) divides each scenario's sizes by ten and times 3 runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.database import open_bench_database
from bench.registry import Result
from bench.timing import Bench

REPEAT = 15
QUICK_REPEAT = 3
OUTPUT = Path(__file__).resolve().parent / "results.json"


# --- tables ------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def _print(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def join(cells) -> str:  # the first two columns to the left, the numbers to the right
        return "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    print(join(header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(join(line))


def print_timed(results: list[Result]) -> None:
    header = (
        "scenario",
        "vs",
        "size",
        "queries",
        "wall ms",
        "cpu ms",
        "base wall",
        "base cpu",
        "wall x",
        "cpu x",
    )
    lines = [
        (
            r.scenario,
            r.label,
            f"{r.size:,}",
            "-" if r.queries is None else str(r.queries),
            _f(r.wall_ms),
            _f(r.cpu_ms),
            _f(r.baseline_wall_ms),
            _f(r.baseline_cpu_ms),
            _f(r.wall_ratio, 1, "x"),
            _f(r.cpu_ratio, 1, "x"),
        )
        for r in results
    ]
    _print(header, lines)
    pages = [r for r in results if "page_wall_ms" in r.extra]
    if pages:
        print(
            "\nWhole pages in this process (test client, no server): "
            + "; ".join(
                f"{r.scenario} {r.size:,}: {r.extra['page_wall_ms']:.1f} ms wall, "
                f"{r.extra['page_cpu_ms']:.1f} ms CPU"
                for r in pages
            )
        )


def print_served(results: list[Result]) -> None:
    header = (
        "page",
        "vs",
        "size",
        "queries",
        "KiB",
        "req/s",
        "empty req/s",
        "x empty",
        "p50 ms",
        "p99 ms",
        "srv cpu ms",
        "empty cpu",
        "target",
    )
    lines = [
        (
            r.scenario,
            r.label,
            f"{r.size:,}",
            "-" if r.queries is None else str(r.queries),
            _f(r.html_kib, 1),
            _f(r.rps, 1),
            _f(r.baseline_rps, 1),
            _f(r.rps_ratio, 2, "x"),
            _f(r.p50_ms, 1),
            _f(r.p99_ms, 1),
            _f(r.server_cpu_ms, 2),
            _f(r.baseline_server_cpu_ms, 2),
            "-" if r.target is None else f"{r.target} {'ok' if r.met else 'MISSED'}",
        )
        for r in results
    ]
    _print(header, lines)


def print_other(kind: str, results: list[Result]) -> None:
    """Any other kind: the columns its results fill."""
    rows = [r.as_json() for r in results]
    skip = {"scenario", "size", "kind", "extra"}
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in skip and k not in keys]
    header = ("scenario", "size", *keys)
    lines = []
    for row in rows:
        cells = [row["scenario"], f"{row['size']:,}"]
        for key in keys:
            value = row.get(key)
            if isinstance(value, float):
                cells.append(f"{value:.2f}")
            elif isinstance(value, dict):
                cells.append("/".join(f"{v:.0f}" for v in value.values()))
            else:
                cells.append("-" if value is None else str(value))
        lines.append(tuple(cells))
    print(f"\n{kind}:")
    _print(header, lines)
    for r in results:
        if r.extra:
            print(f"  {r.scenario} {r.size:,}: {json.dumps(r.extra, default=str)}")


def print_memory(results: list[Result]) -> None:
    for r in results:
        if r.rss_mib:
            samples = ", ".join(f"{k} {v:.1f}" for k, v in r.rss_mib.items())
            flat = {True: "flat", False: "GROWING", None: ""}[r.rss_flat]
            print(f"Resident memory of {r.scenario} ({r.label}), MiB: {samples} {flat}".rstrip())


def print_results(results: list[Result]) -> None:
    kinds: dict[str, list[Result]] = {}
    for r in results:
        kinds.setdefault(r.kind, []).append(r)
    if "timed" in kinds:
        print_timed(kinds.pop("timed"))
    if "served" in kinds:
        served = kinds.pop("served")
        print()
        _served_legend(served)
        print_served([r for r in served if r.rps is not None])
    for kind, rows in kinds.items():
        print_other(kind, rows)
    print()
    print_memory(results)


def _served_legend(served: list[Result]) -> None:
    for r in served:
        if "legend" in r.extra:
            print(r.extra["legend"])


# --- the run -----------------------------------------------------------------------------------


def check_constant_queries(cls, results: list[Result], bench: Bench) -> None:
    if not cls.constant_queries:
        return
    for key in ("queries", "selector_queries"):
        counts: dict[int, int] = {}
        for r in results:
            value = r.queries if key == "queries" else r.extra.get(key)
            if r.kind == "timed" and value is not None:
                counts[r.size] = value
        if len(set(counts.values())) > 1:
            bench.fail(
                f"{cls.name}: the {'selector ' if key != 'queries' else ''}query count grows "
                "with the size: " + ", ".join(f"{q} queries at {s:,}" for s, q in counts.items())
            )


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def write_json(path: Path, *, args, bench: Bench, vendor: str, results: list[Result]) -> None:
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "database": vendor,
        "database_description": bench.database,
        "quick": args.quick,
        "repeat": args.repeat,
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "results": [dict(r.as_json(), database=vendor) for r in results],
        "seconds": bench.seconds,
        "failures": bench.failures,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Comptoir benchmarks")
    parser.add_argument("--scenario", action="append", help="Run only this one (repeatable).")
    parser.add_argument("--sizes", help="Sizes to use instead of each scenario's, e.g. 100,1000.")
    parser.add_argument("--repeat", type=int, default=None, help="Timed runs per measure.")
    parser.add_argument(
        "--quick", action="store_true", help="A tenth of each size, 3 runs: a smoke test."
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="The JSON summary's path.")
    parser.add_argument("--list", action="store_true", help="List the scenarios and stop.")
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = QUICK_REPEAT if args.quick else REPEAT
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    description, cleanup = open_bench_database(os.environ.get("BENCH_DATABASE_URL"))
    try:
        import bench.scenarios
        from bench.registry import SCENARIOS, ScenarioError

        if args.list:
            for name, cls in SCENARIOS.items():
                sizes = ", ".join(map(str, cls.sizes)) or "its own"
                print(f"{name:<24} {cls.description} (sizes {sizes})")
            return 0
        names = args.scenario or list(SCENARIOS)
        unknown = sorted(set(names) - set(SCENARIOS))
        if unknown:
            print(f"Unknown scenario: {', '.join(unknown)}. Known: {', '.join(SCENARIOS)}")
            return 2
        # Scenarios that start servers or processes run last.
        names.sort(key=lambda name: bool(getattr(SCENARIOS[name], "runs_last", False)))
        from django.db import connection

        vendor = connection.vendor
        bench = Bench(args, description)
        print(f"Benchmarks on {description}, medians of {args.repeat} interleaved runs\n")
        results: list[Result] = []
        for name in names:
            cls = SCENARIOS[name]
            started = time.perf_counter()
            try:
                scenario_results = cls().measure(bench)
            except ScenarioError as error:
                bench.fail(f"{name}: {error}")
                continue
            except Exception as error:  # one broken scenario must not hide the others
                traceback.print_exc()
                bench.fail(f"{name}: {type(error).__name__}: {error}")
                continue
            check_constant_queries(cls, scenario_results, bench)
            bench.seconds[name] = round(time.perf_counter() - started, 1)
            results += scenario_results
        if results:
            print_results(results)
        write_json(args.output, args=args, bench=bench, vendor=vendor, results=results)
        print(f"Written: {args.output}")
        if bench.failures:
            print("\nFAILED:\n  " + "\n  ".join(bench.failures), file=sys.stderr)
            return 1
        print("No failure; query counts stay flat wherever a scenario requires it.")
        return 0
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
