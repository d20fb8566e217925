"""``comptoir deliveries-worker``: send the due deliveries, one attempt after another.

    comptoir deliveries-worker               # until Ctrl-C or SIGTERM (the attempt ends first)
    comptoir deliveries-worker --until-idle  # what is due now, then stop (cron, tests)

Run as many as you like, on one machine or several (each claims its own rows); run
``comptoir deliveries-sweep`` beside them (exactly one), which takes back the deliveries of a
worker that died. ``comptoir db_worker`` still runs the other background tasks (e-mails).
"""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from comptoir.deliveries import worker

logger = logging.getLogger("comptoir.deliveries.worker")


class Command(BaseCommand):
    help = "Send the due document deliveries, claimed straight from the database, until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--idle",
            type=float,
            default=worker.DEFAULT_IDLE_SECONDS,
            help="Seconds between two looks when nothing is due (default 0.1).",
        )
        parser.add_argument(
            "--until-idle", action="store_true", help="Stop once nothing is due any more."
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="Stop after this many attempts."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        idle = options["idle"]
        if idle <= 0 or (options["limit"] is not None and options["limit"] < 1):
            raise CommandError("--idle must be above 0 and --limit at least 1.")
        self.running = True
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self.stop)
        prepared = worker.prepare_worker_connection()
        logger.info(
            "Sending deliveries (looking every %g s when idle%s; Ctrl-C stops).",
            idle,
            ", prepared statements" if prepared else "",
        )
        stats = worker.run(
            idle=idle,
            running=lambda: self.running,
            limit=options["limit"],
            stop_when_idle=options["until_idle"],
        )
        outcomes = ", ".join(f"{count} {name}" for name, count in sorted(stats.outcomes.items()))
        logger.info("Delivery worker stopped after %d attempts (%s).", stats.attempts, outcomes)
        if options["until_idle"] or options["limit"]:
            self.stdout.write(f"deliveries: {stats.attempts} attempts ({outcomes or 'none'})")

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False
