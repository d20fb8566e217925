"""``comptoir rundemo``: prepare the demo database, then run the web server and the worker.

What ``make demo`` runs. Steps: migrate, compile the translations, load the Store catalogue
(when that command exists), seed the demo data; then start the local sinks (an SMTP server
that keeps every e-mail in var/mail/), the web server and the task worker, print the address
and the demo logins, and supervise them until Ctrl-C, which stops everything.
"""

import os
import sys

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.urls import reverse

from comptoir.demo.data import DEMO_PASSWORD
from comptoir.demo.oidc_provider import OidcSink  # Fiducia Conseil's identity provider
from comptoir.demo.receiver import ReceiverSink  # the HTTPS partners' stand-in
from comptoir.demo.seed import logins_table
from comptoir.demo.sinks import DEMO_SINKS, Sink, port_is_free
from comptoir.demo.supervisor import Stop, Supervisor, comptoir_argv, raise_stop_on_signals

HOST = "127.0.0.1"


class Command(BaseCommand):
    help = "Run the demo: prepare the database, then the web server, the worker and a mail sink."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="Port of the web server on 127.0.0.1 (default: $PORT or 8000).",
        )
        parser.add_argument(
            "--workers", type=int, default=1, help="How many task workers to run (default 1)."
        )
        parser.add_argument(
            "--skip-setup",
            action="store_true",
            help="Start the servers without migrating, compiling or seeding first.",
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Restart the web server and the worker when the code changes (for developers).",
        )

    def handle(self, *args, **options):
        if settings.MODE != "demo":
            raise CommandError(
                "rundemo runs the demo and needs COMPTOIR_MODE=demo (make demo sets it)."
            )
        port = options["port"]
        if not port_is_free(HOST, port):
            raise CommandError(
                f"Port {port} on {HOST} is already in use. Stop what runs there, or choose "
                f"another port: PORT={port + 1} make demo"
            )
        raise_stop_on_signals()
        if not options["skip_setup"]:
            try:
                self.prepare()
            except (KeyboardInterrupt, Stop):
                self._write_line("\nInterrupted before the servers started.")
                return
        connections.close_all()  # the children open their own connections
        self.run_servers(port=port, workers=options["workers"], reload=options["reload"])

    # --- preparing the database ----------------------------------------------------------

    def step(self, text: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"==> {text}"))

    def prepare(self) -> None:
        commands = get_commands()
        self.step("Migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        self.step("Compiling the translations")
        if "compile-translations" not in commands:
            raise CommandError("comptoir compile-translations is missing: the demo needs it.")
        call_command("compile-translations")
        if "load-catalog" in commands:
            self.step("Loading the Store catalogue")
            call_command("load-catalog")
        self.step("Seeding the demo data")
        call_command("seed-demo", quiet_logins=True)

    # --- running ------------------------------------------------------------------------

    def worker_argv(self, reload: bool) -> list[str] | None:
        backend = settings.TASKS_BACKEND
        if backend == "database":
            return comptoir_argv("db_worker", *([] if reload else ["--no-reload"]))
        if backend == "rq":
            # django-tasks-rq needs its own job class in the worker.
            job_class = "django_tasks_rq.backend.Job"
            return comptoir_argv("rqworker", "default", "--job-class", job_class)
        return None  # immediate: tasks run inside the web server

    def run_servers(self, *, port: int, workers: int, reload: bool) -> None:
        address = f"http://{HOST}:{port}"
        env = {
            **os.environ,
            "COMPTOIR_MODE": "demo",
            "DJANGO_SETTINGS_MODULE": "comptoir.settings",
            "PYTHONUNBUFFERED": "1",
        }
        env.setdefault("SITE_URL", address)
        supervisor = Supervisor(env=env, write=self._write_line)
        sinks: list[Sink] = []
        try:
            for sink_class in [*DEMO_SINKS, ReceiverSink, OidcSink]:
                sink = sink_class()
                notify = _prefixed(supervisor, sink.name)
                env.update(sink.start(var_dir=settings.VAR_DIR, notify=notify))
                sinks.append(sink)
            web = comptoir_argv("runserver", f"{HOST}:{port}", *([] if reload else ["--noreload"]))
            supervisor.spawn("web", web)
            worker = self.worker_argv(reload)
            for n in range(workers if worker else 0):
                supervisor.spawn("worker" if workers == 1 else f"worker-{n + 1}", worker)
            if worker and settings.DELIVERY_SENDER == "worker":  # deliveries: the send loop
                for n in range(workers):
                    name = "deliveries" if workers == 1 else f"deliveries-{n + 1}"
                    supervisor.spawn(name, comptoir_argv("deliveries-worker"))
            if worker:  # deliveries: take back abandoned sends, queue again the lost ones
                supervisor.spawn("sweep", comptoir_argv("deliveries-sweep", "--every", "15"))
            if not supervisor.wait_for_http(address + reverse("accounts:login")):
                raise CommandError(f"The web server did not answer at {address}: see above.")
            self.banner(address, sinks, worker, workers)
            gone = supervisor.wait()
            raise CommandError(f"{gone.name} stopped (exit code {gone.process.returncode}).")
        except (KeyboardInterrupt, Stop):
            self._write_line("\nStopping the demo…")
        finally:
            supervisor.stop_all()
            for sink in sinks:
                sink.stop()
        self._write_line("Demo stopped.")

    def banner(
        self, address: str, sinks: list[Sink], worker: list[str] | None, workers: int
    ) -> None:
        rule = "=" * 78
        running = " ".join(worker[2:]) if worker else "none (tasks run at once)"
        if worker and workers > 1:
            running = f"{workers} of {running}"
        lines = [
            "",
            rule,
            self.style.SUCCESS(f"Comptoir demo: open {address}/"),
            f"  web server  {address}/ (Django admin: {address}/admin/)",
            f"  worker      {running}",
        ]
        if worker and settings.DELIVERY_SENDER == "worker":
            lines.append(f"  deliveries  {workers} of deliveries-worker (sends the documents)")
        lines += [f"  {sink.name:<10}  {sink.describe()}" for sink in sinks]
        lines += [
            "",
            f"Demo logins (the same password for all: {DEMO_PASSWORD}):",
            "",
            logins_table(),
            "",
            "Press Ctrl-C to stop everything.",
            rule,
        ]
        self._write_line("\n".join(lines))

    def _write_line(self, text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def _prefixed(supervisor: Supervisor, name: str):
    return lambda text: supervisor.say(f"[{name}] {text}")
