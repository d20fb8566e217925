"""``comptoir deliveries-sweep``: take back abandoned deliveries and queue again the due ones.

    comptoir deliveries-sweep --once            # one pass (cron, tests)
    comptoir deliveries-sweep --every 30        # a pass every 30 s until Ctrl-C / SIGTERM

Run one of them next to the workers (``rundemo`` does). Several sweeps at once are harmless.
"""

import logging
import signal
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from comptoir.deliveries.sweep import DEFAULT_LIMIT, sweep

# The running sweep writes log lines (LOG_FORMAT applies); --once prints its report instead.
logger = logging.getLogger("comptoir.deliveries.sweep")


class Command(BaseCommand):
    help = (
        "Take back deliveries whose worker died and queue again the due pending ones. "
        "Once, or every N seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then stop.")
        parser.add_argument(
            "--every", type=float, default=30.0, help="Seconds between passes (default 30)."
        )
        parser.add_argument(
            "--lease",
            type=float,
            default=None,
            help="Seconds after which a delivery still 'sending' is taken back (default 600).",
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="Seconds a due delivery may wait in the queue before it is queued again "
            "(default 60).",
        )
        parser.add_argument(
            "--limit", type=int, default=DEFAULT_LIMIT, help="Rows per step and pass."
        )

    def handle(self, *args, **options):
        every = options["every"]
        if every <= 0 or options["limit"] < 1:
            raise CommandError("--every must be above 0 and --limit at least 1.")
        if options["lease"] is not None and options["lease"] <= 0:
            raise CommandError("--lease must be above 0 seconds.")
        if options["grace"] is not None and options["grace"] < 0:
            raise CommandError("--grace cannot be negative.")
        kwargs = {
            "lease": timedelta(seconds=options["lease"]) if options["lease"] else None,
            "grace": timedelta(seconds=options["grace"]) if options["grace"] is not None else None,
            "limit": options["limit"],
        }
        if options["once"]:
            self.report(sweep(**kwargs), quiet=False)
            return
        self.running = True
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self.stop)
        logger.info("Sweeping deliveries every %g s (Ctrl-C stops).", every)
        while self.running:
            close_old_connections()
            self.report(sweep(**kwargs), quiet=True)
            close_old_connections()
            deadline = time.monotonic() + every
            while self.running and time.monotonic() < deadline:
                time.sleep(min(0.5, every))

    def stop(self, signum, frame):
        self.running = False

    def report(self, result, *, quiet: bool) -> None:
        if quiet and not result.anything:
            return
        line = (
            f"deliveries: {result.reclaimed} taken back from a stopped worker, "
            f"{result.given_up} given up, {result.requeued} queued again"
        )
        if quiet:
            logger.info(line)
        else:
            self.stdout.write(line)
