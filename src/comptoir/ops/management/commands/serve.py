"""``comptoir serve``: the production web server (gunicorn), configured from the environment.

    comptoir serve            # checks, then gunicorn on $HOST:$PORT (127.0.0.1:8000)
    comptoir serve --check    # the checks only (exit 1 with one line when one fails)

It refuses to start, with one line, when the static files are not collected, the
translations not compiled (``comptoir build``) or migrations not applied (``comptoir
migrate``): better a unit that fails at once than a server answering 500 to everyone.
Then it replaces itself with gunicorn (same process id: systemd follows it), whose settings
are in ``comptoir/ops/gunicorn_conf.py`` (WEB_CONCURRENCY, PORT, BIND, WEB_TIMEOUT...).

Why gunicorn: the WSGI server most Django deployments run, pre-fork workers that a crash
or a leak cannot take down together, graceful reloads (SIGHUP) and restarts (max requests),
and nothing to compile. Comptoir's pages and API are synchronous, so ASGI would buy nothing.
"""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from comptoir.ops import preflight


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) after checking the build and migrations."
    requires_system_checks = []  # run below, once, before gunicorn starts its workers

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Only check that it could start; exit 1 if not."
        )

    def handle(self, *args, **options):
        problems = preflight.problems()
        if problems:
            sys.stderr.write(f"comptoir serve: {problems[0]}\n")
            sys.stderr.flush()
            sys.exit(1)
        self.check(display_num_errors=False, fail_level=40)  # ERROR: same as runserver
        if options["check"]:
            self.stdout.write("comptoir serve: ready to start")
            return
        env = dict(os.environ)
        env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(settings.VAR_DIR) / "prometheus"))
        argv = [sys.executable, "-m", "gunicorn", "-c", "python:comptoir.ops.gunicorn_conf"]
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, argv, env)  # noqa: S606 - our interpreter, fixed arguments
