import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Firm
from clients.imports import CONTACT_COLUMNS, columns_unknown, contacts_import


class Command(BaseCommand):
    help = (
        "Import contacts (individuals) into a firm from a CSV file whose header names Tandem's "
        "canonical fields (see docs/contacts_import.md). Invalid rows are reported by row and "
        "column; nothing is imported unless every row is valid, or --skip-invalid is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file, UTF-8, with a header row.")
        parser.add_argument("--firm", required=True, help="The firm's slug.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and report the invalid ones.",
        )

    def handle(self, *args, file: Path, firm: str, skip_invalid: bool, **options):
        target = Firm.objects.filter(slug=firm).first()
        if target is None:
            raise CommandError(f"No firm with the slug '{firm}'.")
        try:
            with file.open(newline="", encoding="utf-8-sig") as stream:
                reader = csv.DictReader(stream)
                unknown = columns_unknown(reader.fieldnames or [])
                if unknown:
                    raise CommandError(
                        f"Unknown column{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(unknown)}; the columns are {', '.join(CONTACT_COLUMNS)}."
                    )
                result = contacts_import(
                    firm=target,
                    rows=_rows(reader),
                    skip_invalid=skip_invalid,
                    acting_user=None,
                )
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        # Raised part-way through the rows, inside the import's transaction: nothing was kept.
        except UnicodeDecodeError:
            raise CommandError(
                f"{file} is not UTF-8 text; save it as “CSV UTF-8” and try again. Nothing was "
                "imported."
            ) from None
        except csv.Error as error:
            raise CommandError(f"row {reader.line_num}: {error}; nothing was imported.") from None
        for line in result.errors:
            self.stderr.write(line)
        if result.errors and not skip_invalid:
            raise CommandError(
                f"{result.invalid_rows} invalid row(s); nothing was imported. Fix them, or "
                "import the valid rows with --skip-invalid."
            )
        skipped = f"; skipped {result.invalid_rows} invalid row(s)" if result.errors else ""
        self.stdout.write(f"Imported {result.imported} contact(s) into {target}{skipped}.")


def _rows(reader: csv.DictReader):
    for row in reader:
        if None in row:
            raise CommandError(
                f"row {reader.line_num}: more cells than the header has columns; nothing was "
                "imported."
            )
        yield row
