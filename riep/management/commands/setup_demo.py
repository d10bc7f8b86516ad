import os

from django.core.management.base import BaseCommand, CommandError

from riep.demo import DEFAULT_DEMO_PASSWORD, ensure_demo_deadline, ensure_demo_users
from riep.demo_meetings import load_demo_meetings
from riep.demo_papers import ensure_demo_papers
from riep.demo_plans import load_demo_plans
from riep.demo_returns import DemoDataError, ReferenceDataMissing, load_demo_returns


class Command(BaseCommand):
    help = (
        "Create or update the demo users (password from DEMO_PASSWORD), then load the demo "
        "returns (seed 002's December 2009 returns, fixtures/demo/*.csv; see "
        "riep/demo_returns.py) and the improvement plan monitoring (seed 004's Q1 2008/09, "
        "fixtures/demo/plans/*.toml; see riep/demo_plans.py). Idempotent. Local demo only: "
        "refuses to run where DEMO_DATA_ALLOWED is off, as in production."
    )

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        users = ensure_demo_users(password=password)
        self.stdout.write(f"Demo users ready: {', '.join(users)}")
        # Before the returns, so that their submissions record whether they were on time.
        self.stdout.write(ensure_demo_deadline())
        try:
            outcomes = load_demo_returns()
        except ReferenceDataMissing as error:
            self.stderr.write(f"Demo returns not loaded: {error}")
            return
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        for outcome in outcomes:
            self.stdout.write(f"Demo return {outcome}")
        try:
            plans = load_demo_plans()
        except ReferenceDataMissing as error:
            self.stderr.write(f"Demo improvement plan monitoring not loaded: {error}")
            plans = []
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        for plan in plans:
            self.stdout.write(f"Demo improvement plan monitoring {plan}")
        self.stdout.write(ensure_demo_papers())
        # After the demo paper's meeting of 20 January 2010, at which actions are due.
        try:
            meetings = load_demo_meetings()
        except ReferenceDataMissing as error:
            self.stderr.write(f"Demo minutes and actions not loaded: {error}")
            meetings = []
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        for meeting in meetings:
            self.stdout.write(f"Demo minutes {meeting}")
