import os

from django.core.management.base import BaseCommand

from riep.demo import DEFAULT_DEMO_PASSWORD, ensure_demo_users


class Command(BaseCommand):
    help = (
        "Create or update the demo users (password from DEMO_PASSWORD). Local demo only: "
        "refuses to run where DEMO_DATA_ALLOWED is off, as in production."
    )

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        users = ensure_demo_users(password=password)
        self.stdout.write(f"Demo users ready: {', '.join(users)}")
