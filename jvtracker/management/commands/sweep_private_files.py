import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from jvtracker.common.storage import orphaned_private_files, private_storage


class Command(BaseCommand):
    help = (
        "List private files (signed contracts, evidence) that no row or history row refers "
        "to; with --delete, remove them. Dry run by default."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="Remove the files listed.")
        parser.add_argument(
            "--min-age-hours",
            type=float,
            default=24.0,
            help="Only files last modified at least this long ago (default 24).",
        )

    def handle(self, *args, delete: bool, min_age_hours: float, **options) -> None:
        orphans = orphaned_private_files(older_than=dt.timedelta(hours=min_age_hours))
        storage = private_storage()
        for name in orphans:
            if delete:
                storage.delete(name)
            self.stdout.write(f"{'deleted' if delete else 'orphan'}\t{name}")
        verb = "Deleted" if delete else "Found"
        self.stdout.write(f"{verb} {len(orphans)} orphaned private file(s).")
