import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from riep.backups import BackupError, check_backup, database_label, restore


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `manage.py backup`. Everything "
        "written since that backup is lost, so it asks first: type 'yes' at the prompt, or "
        "pass --force (required where there is no terminal to ask on). The file is checked "
        "before anything is changed; on PostgreSQL a failed restore changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A backup made by `manage.py backup`.")
        parser.add_argument(
            "--force", action="store_true", help="Replace the database without asking."
        )
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, file, force=False, database="default", **options):
        source = Path(file)
        label = database_label(database)
        try:
            check_backup(source, alias=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if not force:
            if not sys.stdin.isatty():
                raise CommandError(
                    f"Restoring {source} replaces every table of {label}: nothing changed. "
                    "Run it again with --force to go ahead."
                )
            answer = input(
                f"This replaces every table of {label} with the contents of {source}; "
                "what was written since that backup is lost.\nType 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled: nothing changed.")
        try:
            restore(source, alias=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {label} from {source}.")
