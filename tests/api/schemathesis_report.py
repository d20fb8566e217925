"""Prints the numbers of the Schemathesis run (tests/api/test_schemathesis.py) at the end of
the pytest run, also under pytest-xdist (the numbers travel in the reports' user properties)
and whatever the output capture (no ``-s`` needed)."""

import json


def pytest_terminal_summary(terminalreporter):
    summaries = []
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            for name, value in getattr(report, "user_properties", ()):
                if name == "schemathesis":
                    summaries.append(json.loads(value))
    if not summaries:
        return
    terminalreporter.section("Schemathesis over /api/v1/openapi.json")
    for summary in sorted(summaries, key=lambda s: s["role"]):
        statuses = ", ".join(f"{code}: {n}" for code, n in summary["statuses"].items())
        terminalreporter.write_line(
            f"{summary['role']}: {summary['operations']} operations, "
            f"{summary['operations_with_2xx']} reached a 2xx, {summary['calls']} calls "
            f"({statuses}); {summary['server_errors']} 5xx, {summary['failures']} failures "
            f"(undocumented status, schema or content-type violations) in {summary['seconds']} s"
        )
