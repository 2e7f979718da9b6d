import os
import sys
from getpass import getpass

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.exceptions import AccountsError
from accounts.services import firm_create

PASSWORD_ENV = "TANDEM_ADMIN_PASSWORD"  # noqa: S105 (the variable's name, not a password)


class Command(BaseCommand):
    help = "Create a firm and its first firm administrator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The firm's name, as people see it.")
        parser.add_argument("--slug", required=True, help="Short unique identifier, e.g. harbour.")
        parser.add_argument("--admin-email", required=True, help="The administrator's email.")
        parser.add_argument(
            "--admin-password",
            help=f"The administrator's password; else ${PASSWORD_ENV}; else asked for.",
        )
        parser.add_argument("--admin-first-name", default="")
        parser.add_argument("--admin-last-name", default="")

    def handle(self, *args, **options) -> None:
        password = options["admin_password"] or os.environ.get(PASSWORD_ENV) or self._ask_password()
        try:
            firm = firm_create(
                name=options["name"],
                slug=options["slug"],
                admin_email=options["admin_email"],
                admin_password=password,
                admin_first_name=options["admin_first_name"],
                admin_last_name=options["admin_last_name"],
            )
        except AccountsError as error:
            raise CommandError(error.message) from error
        admin = firm.memberships.get().user
        self.stdout.write(
            self.style.SUCCESS(
                f"Created firm “{firm.name}” ({firm.slug}) with firm administrator {admin.email}."
            )
        )

    def _ask_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(
                f"No password for the administrator: pass --admin-password or set {PASSWORD_ENV}."
            )
        password = getpass("Administrator's password: ")
        if password != getpass("The same password again: "):
            raise CommandError("The two passwords are not the same.")
        return password
