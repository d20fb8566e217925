"""Served pages: the firm home, the Store, the clients list and the company home through the
production server on 127.0.0.1 (``comptoir serve``, see ``bench.served``), each against the
empty page of the same layout for the same user.

Each page reuses its in-process scenario (``firm_home``, ``store_page``, ``clients_list``,
``company_home``) for its data and its logged-in user, whose session cookie the load client
sends; the firm home and the Store share one catalogue (the Store's firm admin sees both).
Per page: one served answer checked like the in-process one (its HTML size is reported),
then rounds in which the empty page (``/bench/empty/``: ``base.html`` with nothing in it, for
that same user: session, user, tenant context, context switcher, navigation) and the page
each take a bounded load, in turn, so that a busy moment of the machine hits both alike.
Requests per second of the page over the empty page's is the ratio; p50/p99 latency and the
server workers' CPU time per request are reported beside it. ``empty_page`` compares the
empty page with a plain "ok" of the same server (``/bench/floor/``): the layout's own cost.
The workers' resident memory is sampled after boot, after warming up, half-way and at the
end (``web_process``): flat means it did not grow by more than 5 % over the second half.
Timings never fail the run; errors (a status other than 200, a wrong page) do.
"""

from dataclasses import dataclass
from typing import ClassVar

from bench.registry import SCENARIOS, Result, Scenario, ScenarioError, register
from bench.served import EMPTY_PATH, FLOOR_PATH, WORKERS, Load, Server, load


@dataclass(frozen=True)
class Page:
    name: str  # also the in-process scenario that builds its data
    size: int
    quick_size: int
    min_ratio: float  # requests/s of the page over the empty page's
    max_kib: float | None = None
    max_p99_over_p50: float | None = None

    def target(self) -> str:
        parts = [f">= {self.min_ratio}x empty"]
        if self.max_kib:
            parts.append(f"<= {self.max_kib:.0f} KiB")
        if self.max_p99_over_p50:
            parts.append(f"p99 <= {self.max_p99_over_p50:.0f}x p50")
        return ", ".join(parts)


PAGES = (
    Page("firm_home", 300, 30, 0.8),
    Page("store_page", 300, 30, 0.5, max_kib=150),
    Page("clients_list", 10_000, 1_000, 0.5, max_p99_over_p50=2),
    Page("company_home", 10_000, 1_000, 0.8),
)
FULL = {"rounds": 4, "requests": 60, "time_cap": 10.0}
QUICK = {"rounds": 2, "requests": 15, "time_cap": 2.0}
FLAT = 0.05  # resident memory may grow this much over the second half of the load


@register
class ServedPages(Scenario):
    name = "served_pages"
    description = (
        "firm home, Store, clients list, company home through comptoir serve on 127.0.0.1 "
        f"({WORKERS} workers): req/s, p50/p99, server CPU against the empty page of the layout"
    )
    sizes = ()  # each page has its own (a tenth with --quick)
    runs_last: ClassVar[bool] = True

    def build(self, bench) -> dict[str, object]:
        """Every page's scenario set up at its size, all in the database at once."""
        scenarios: dict[str, object] = {}
        for page in PAGES:
            size = page.quick_size if bench.quick else page.size
            cls = SCENARIOS[page.name]
            scenario = cls()
            if page.name == "firm_home" and "store_page" in scenarios:
                scenario.share_store(scenarios["store_page"])
            elif page.name == "store_page" and "firm_home" in scenarios:
                scenario.share_store(scenarios["firm_home"])
            else:
                scenario.setup(size)
            scenario.served_size = size
            scenarios[page.name] = scenario
        return scenarios

    def measure(self, bench) -> list[Result]:
        from django.conf import settings
        from django.urls import reverse

        budget = QUICK if bench.quick else FULL
        scenarios = self.build(bench)
        logout = reverse("accounts:logout").encode()
        results: list[Result] = []
        with Server() as server:
            rss = {"start": server.workers_rss_mib()}
            cookies, html, queries = {}, {}, {}
            for page in PAGES:
                scenario = scenarios[page.name]
                scenario.page()  # in this process first: the data is right
                queries[page.name] = bench.count_queries(scenario.page)
                cookies[page.name] = {settings.SESSION_COOKIE_NAME: scenario.session_key}
                status, body = server.get(scenario.url, cookies[page.name])
                if status != 200:
                    raise ScenarioError(f"{page.name}: {scenario.url} answered {status}")
                scenario.check(body)  # the served answer, checked like the in-process one
                html[page.name] = len(body) / 1024
                status, body = server.get(EMPTY_PATH, cookies[page.name])
                if status != 200 or logout not in body:
                    raise ScenarioError(f"{page.name}: the empty page is not a logged-in one")
                for path in (EMPTY_PATH, scenario.url):  # every worker warm, untimed
                    load(server, path, cookies=cookies[page.name], requests=WORKERS * 3,
                         concurrency=WORKERS, time_cap=budget["time_cap"])  # fmt: skip
            rss["warm"] = server.workers_rss_mib()
            pages = {page.name: Load(path=scenarios[page.name].url) for page in PAGES}
            empties = {page.name: Load(path=EMPTY_PATH) for page in PAGES}
            floor = Load(path=FLOOR_PATH)
            for done in range(1, budget["rounds"] + 1):
                floor += self._load(server, FLOOR_PATH, {}, budget)
                for page in PAGES:
                    jar = cookies[page.name]
                    empties[page.name] += self._load(server, EMPTY_PATH, jar, budget)
                    pages[page.name] += self._load(server, scenarios[page.name].url, jar, budget)
                if done == budget["rounds"] // 2:
                    rss["middle"] = server.workers_rss_mib()
            rss["end"] = server.workers_rss_mib()
            via = server.via
        for name, loaded in [*pages.items(), *empties.items(), ("floor", floor)]:
            if loaded.errors:
                bench.fail(f"{self.name} {name}: {loaded.errors[0]}")
        for page in PAGES:
            results.append(
                self._page_result(page, scenarios[page.name], pages[page.name],
                                  empties[page.name], queries[page.name], html[page.name])
            )  # fmt: skip
        first = PAGES[0].name
        results.append(
            Result(
                scenario="empty_page",
                size=scenarios[first].served_size,
                kind="served",
                label="empty/ok",
                rps=empties[first].per_second,
                baseline_rps=floor.per_second,
                p50_ms=empties[first].percentile(50),
                p99_ms=empties[first].percentile(99),
                baseline_p50_ms=floor.percentile(50),
                baseline_p99_ms=floor.percentile(99),
                server_cpu_ms=empties[first].server_cpu_ms,
                baseline_server_cpu_ms=floor.server_cpu_ms,
                extra={
                    "legend": (
                        f"Served by {via} ({WORKERS} sync workers) on 127.0.0.1, "
                        f"{budget['rounds']} rounds of {budget['requests']} requests from "
                        f"{WORKERS} client threads per page and per empty page, in turn. "
                        "'x empty': the page's req/s over the empty page's (the layout for "
                        "the same user); empty_page: the empty page over a plain 'ok'."
                    ),
                    "requests": empties[first].requests,
                    "baseline_requests": floor.requests,
                },
            )
        )
        results.append(self._memory_result(rss))
        return results

    @staticmethod
    def _page_result(page: Page, scenario, served: Load, empty: Load, queries: int, kib: float):
        ratio = served.per_second / empty.per_second if empty.per_second else 0.0
        met = ratio >= page.min_ratio
        if page.max_kib is not None:
            met = met and kib <= page.max_kib
        p50, p99 = served.percentile(50), served.percentile(99)
        if page.max_p99_over_p50 is not None:
            met = met and p99 <= page.max_p99_over_p50 * p50
        return Result(
            scenario=page.name,
            size=scenario.served_size,
            kind="served",
            label="page/empty",
            queries=queries,
            html_kib=kib,
            rps=served.per_second,
            baseline_rps=empty.per_second,
            p50_ms=p50,
            p99_ms=p99,
            baseline_p50_ms=empty.percentile(50),
            baseline_p99_ms=empty.percentile(99),
            server_cpu_ms=served.server_cpu_ms,
            baseline_server_cpu_ms=empty.server_cpu_ms,
            target=page.target(),
            met=met,
            extra={
                "requests": served.requests,
                "baseline_requests": empty.requests,
                "capped": served.capped or empty.capped,
            },
        )

    @staticmethod
    def _memory_result(rss: dict[str, list[float]]) -> Result:
        """The largest worker's resident memory at each sample."""
        largest = {when: max(values, default=0.0) for when, values in rss.items()}
        middle, end = largest.get("middle") or largest["warm"], largest["end"]
        return Result(
            scenario="web_process",
            size=0,
            kind="memory",
            label=f"largest of the {WORKERS} gunicorn workers",
            rss_mib={when: round(value, 1) for when, value in largest.items()},
            rss_flat=bool(middle) and end <= middle * (1 + FLAT),
            extra={"workers_mib": {k: [round(v, 1) for v in vs] for k, vs in rss.items()}},
        )

    @staticmethod
    def _load(server: Server, path: str, cookies: dict[str, str], budget: dict) -> Load:
        return load(
            server,
            path,
            cookies=cookies,
            requests=budget["requests"],
            concurrency=WORKERS,
            time_cap=budget["time_cap"],
        )
