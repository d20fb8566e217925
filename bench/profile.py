"""Where a page's time goes: cProfile of repeated GETs of one page scenario, in this process.

    python -m bench.profile store_page [--size 300] [--requests 200] [--empty] [--sort tottime]
    python -m bench.profile store_page --size 300 --cpu   # CPU ms a request, page and empty page

Builds the scenario's data on the bench's own database (as ``bench.run``), logs its user in
and GETs its page (``--empty``: the empty page of the layout, ``/bench/empty/``, for the same
user) through the whole middleware stack with the test client, under cProfile. Prints the
functions that cost the most and the queries of one request. ``--cpu`` profiles nothing: it
puts the page and the empty page through Django's WSGI handler (as gunicorn does: connections
handled at each request's start and end) in alternating batches, and prints the best batch's
CPU time per request of each, and their ratio: a steadier figure than requests per second on
a busy machine, to compare two versions of a page.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--empty", action="store_true", help="The empty page of the layout.")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (tottime...).")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--cpu", action="store_true", help="CPU ms a request, page vs empty.")
    args = parser.parse_args(argv)

    from bench.database import open_bench_database

    description, cleanup = open_bench_database(os.environ.get("BENCH_DATABASE_URL"))
    try:
        from django.test.utils import override_settings

        import bench.scenarios  # noqa: F401
        from bench.registry import SCENARIOS
        from bench.served import EMPTY_PATH
        from bench.timing import capture_queries

        cls = SCENARIOS[args.scenario]
        scenario = cls()
        scenario.setup(args.size or cls.sizes[len(cls.sizes) // 2])
        with override_settings(ROOT_URLCONF="bench.served_urls", ALLOWED_HOSTS=["*"]):
            if args.cpu:
                return cpu_per_request(scenario, args.requests)
            path = EMPTY_PATH if args.empty else scenario.url

            def get() -> None:
                response = scenario.client.get(path)
                assert response.status_code == 200, response.status_code

            for _ in range(5):
                get()
            queries = capture_queries(get)
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for _ in range(args.requests):
                get()
            profiler.disable()
            elapsed = (time.perf_counter() - started) * 1000 / args.requests
        print(f"{path} on {description}: {elapsed:.2f} ms a request under the profiler")
        print(f"{len(queries)} queries:")
        for sql in queries:
            print(f"  {sql[:300]}")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(args.sort).print_stats(
            args.top
        )
        return 0
    finally:
        cleanup()


def cpu_per_request(scenario, requests: int, batches: int = 7) -> int:
    """Best-batch CPU ms a request of the page and of the empty page, through WSGIHandler."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    from bench.served import EMPTY_PATH

    handler = WSGIHandler()
    cookie = f"{settings.SESSION_COOKIE_NAME}={scenario.session_key}"

    def get(path: str) -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        statuses = []
        body = b"".join(handler(environ, lambda status, headers: statuses.append(status)))
        assert statuses[0].startswith("200"), (path, statuses[0], body[:200])

    best = {scenario.url: float("inf"), EMPTY_PATH: float("inf")}
    for path in best:
        for _ in range(10):
            get(path)
    for _ in range(batches):
        for path in best:
            started = time.process_time()
            for _ in range(requests):
                get(path)
            best[path] = min(best[path], (time.process_time() - started) * 1000 / requests)
    page, empty = best[scenario.url], best[EMPTY_PATH]
    print(
        f"CPU ms a request (best of {batches} batches of {requests}): {scenario.url} {page:.2f}, "
        f"empty page {empty:.2f}; page/empty {page / empty:.2f}x (empty/page {empty / page:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
