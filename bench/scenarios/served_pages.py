"""Served pages: the firm home, the Store, the clients list and the company home through a
real gunicorn on 127.0.0.1 (see ``bench.served``), side by side with a trivial view of the
same server (the floor).

Each page reuses its in-process scenario (``firm_home``, ``store_page``, ``clients_list``,
``company_home``) for its data and its logged-in user, whose session cookie the load client
sends. Per page: the query count of one in-process request at the scenario's smallest and
largest size (a count that grows fails the run), then, at the largest size, one served answer
checked like the in-process one, and a bounded load: a fixed number of requests from a few
threads, cut short at a time cap. Requests per second and p50/p99 latency are reported with
their ratio to the floor's; timings never fail the run, errors do.
"""

from dataclasses import dataclass
from types import SimpleNamespace
from typing import ClassVar

import httpx

from bench.registry import SCENARIOS, Scenario, ScenarioError, register
from bench.served import FLOOR_PATH, WORKERS, Load, Server, load

PAGES = ("firm_home", "store_page", "clients_list", "company_home")
FULL = {"requests": 400, "concurrency": WORKERS, "time_cap": 15.0}
QUICK = {"requests": 60, "concurrency": WORKERS, "time_cap": 3.0}


@dataclass
class ServedRow:
    page: str
    size: int
    queries: int
    load: Load
    floor: Load
    via: str

    @property
    def ratio(self) -> float:
        floor = self.floor.percentile(50)
        return self.load.percentile(50) / floor if floor else float("inf")


class _ServedClient:
    """Stands in for the test client of a page scenario: its ``get`` goes through gunicorn."""

    def __init__(self, server: Server, cookies: dict[str, str]) -> None:
        self.server = server
        self.cookies = cookies

    def get(self, url: str):
        response = httpx.get(self.server.base + url, cookies=self.cookies, timeout=30)
        return SimpleNamespace(status_code=response.status_code, content=response.content)


@register
class ServedPages(Scenario):
    name = "served_pages"
    description = (
        "firm home, Store, clients list, company home through gunicorn on 127.0.0.1 "
        f"({WORKERS} workers), req/s and p50/p99 against a trivial view of the same server"
    )
    sizes = ()  # each page takes its own scenario's sizes (a tenth with --quick)
    served: ClassVar[bool] = True

    def measure(self, *, quick: bool, count_queries) -> tuple[list[ServedRow], list[str]]:
        from django.conf import settings

        budget = QUICK if quick else FULL
        rows: list[ServedRow] = []
        failures: list[str] = []
        with Server() as server:
            # The floor is cheap: three times the requests, for a steadier figure.
            floor = self._load(
                server, FLOOR_PATH, {}, {**budget, "requests": budget["requests"] * 3}
            )
            if floor.errors:
                return rows, [f"{self.name}: the floor failed: {floor.errors[0]}"]
            for page in PAGES:
                cls = SCENARIOS[page]
                sizes = sorted({max(10, s // 10) if quick else s for s in cls.sizes})
                try:
                    counts = {}
                    for size in sizes:
                        scenario = cls()
                        scenario.setup(size)
                        scenario.run()
                        counts[size] = count_queries(scenario.run)
                    if len(set(counts.values())) > 1:
                        failures.append(
                            f"{self.name} {page}: the query count grows with the size: "
                            + ", ".join(f"{q} queries at {s:,}" for s, q in counts.items())
                        )
                    cookies = {settings.SESSION_COOKIE_NAME: scenario.session_key}
                    scenario.client = _ServedClient(server, cookies)
                    scenario.run()  # the served answer, checked like the in-process one
                    served = self._load(server, scenario.url, cookies, budget)
                except ScenarioError as error:
                    failures.append(f"{self.name} {page}: {error}")
                    continue
                if served.errors:
                    failures.append(f"{self.name} {page}: {served.errors[0]}")
                    continue
                rows.append(
                    ServedRow(page, sizes[-1], counts[sizes[-1]], served, floor, server.via)
                )
        return rows, failures

    @staticmethod
    def _load(server: Server, path: str, cookies: dict[str, str], budget: dict) -> Load:
        load(
            server,
            path,
            cookies=cookies,
            requests=budget["concurrency"] * 2,
            concurrency=2,
            time_cap=budget["time_cap"],
        )  # warm every worker up, untimed
        return load(server, path, cookies=cookies, **budget)
