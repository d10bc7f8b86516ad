from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from riep.backups import BackupError, backup, database_label


class Command(BaseCommand):
    help = (
        "Back up the whole database to FILE: SQLite through its online backup API (the file is "
        "a SQLite database), PostgreSQL through pg_dump --format=custom. Safe while the site "
        "runs. Refuses to overwrite an existing FILE without --force. Restore with "
        "`manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the backup.")
        parser.add_argument("--force", action="store_true", help="Overwrite FILE if it exists.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, file, force=False, database="default", **options):
        target = Path(file)
        if target.exists() and not force:
            raise CommandError(f"{target} exists: choose another name, or add --force.")
        try:
            backup(target, alias=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = target.stat().st_size
        self.stdout.write(f"Backed up {database_label(database)} to {target} ({size:,} bytes).")
