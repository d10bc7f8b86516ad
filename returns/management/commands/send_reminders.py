"""python manage.py send_reminders: the returns' deadline reminders, for cron (daily).

Run it once a day (e.g. ``15 7 * * * cd /srv/riep && .venv/bin/python manage.py
send_reminders``); running it more often, or twice at once, sends nothing twice
(returns.reminders). It also purges expired import uploads.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from returns.import_uploads import purge_expired
from returns.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Email the reminders of the returns' deadlines that are due today and were never sent "
        "(and any notice whose email is still waiting); never sends one twice. For cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            help="Act as if today were this date (YYYY-MM-DD): to catch up, or to try it out.",
        )

    def handle(self, *args, today: str | None = None, **options):
        day = None
        if today:
            try:
                day = date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(f'"{today}" is not a date: write it as 2010-01-15.') from error
        run = send_reminders(today=day)
        for line in run.lines():
            self.stdout.write(line)
        purged = purge_expired()
        if purged:
            self.stdout.write(f"Expired import uploads deleted: {purged}.")
        if run.delivery.failed:
            raise CommandError(
                f"{run.delivery.failed} email(s) could not be sent: see the log; they are "
                "tried again on the next run."
            )
