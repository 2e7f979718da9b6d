import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity.exceptions import IdentityError
from identity.services import application_create


class Command(BaseCommand):
    help = (
        "Register a CMS application with Tandem's identity provider and print its client id "
        "and secret as JSON. The secret is shown this once: Tandem keeps only its hash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--name", required=True, help="The name people see on the consent page."
        )
        parser.add_argument(
            "--redirect-uri",
            action="append",
            default=[],
            dest="redirect_uris",
            help="An exact redirect URI (https, or http on a loopback address); repeat for more.",
        )
        parser.add_argument("--client-feed-url", default="", help="The CMS's client-feed URL.")
        parser.add_argument("--logo-url", default="", help="A logo shown on the consent page.")
        parser.add_argument(
            "--public",
            action="store_true",
            help="A client that cannot keep a secret (a native or browser app): no secret.",
        )
        parser.add_argument(
            "--device",
            action="store_true",
            help="A public client using the device authorization grant (RFC 8628), e.g. an agent.",
        )

    def handle(self, *args, **options) -> None:
        try:
            application, secret = application_create(
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                client_feed_url=options["client_feed_url"],
                logo_url=options["logo_url"],
                public=options["public"],
                device=options["device"],
            )
        except IdentityError as error:
            raise CommandError(error.message) from error
        self.stdout.write(json.dumps({"client_id": application.client_id, "client_secret": secret}))
