import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Firm
from clients.selectors import contact_duplicate_groups


class Command(BaseCommand):
    help = (
        "List a firm's likely duplicate contacts, most certain group first, as text or as "
        'JSON: [{"codes": [...], "score": 0.97, "reasons": [...]}, ...].'
    )

    def add_arguments(self, parser):
        parser.add_argument("--firm", required=True, help="The firm's slug.")
        parser.add_argument(
            "--format", dest="output_format", choices=["text", "json"], default="text"
        )

    def handle(self, *args, firm: str, output_format: str, **options):
        target = Firm.objects.filter(slug=firm).first()
        if target is None:
            raise CommandError(f"No firm with the slug '{firm}'.")
        groups = contact_duplicate_groups(firm=target)
        if output_format == "json":
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "codes": [contact.code for contact in group.clients],
                            "score": round(group.score, 2),
                            "reasons": list(group.reasons),
                        }
                        for group in groups
                    ],
                    indent=2,
                )
            )
            return
        if not groups:
            self.stdout.write(f"No likely duplicate contacts in {target}.")
            return
        for group in groups:
            self.stdout.write(f"{group.score:.0%} alike: {'; '.join(group.reasons)}")
            for contact in group.clients:
                self.stdout.write(f"  {contact.code or '(no code)':<12} {contact.display_name}")
        self.stdout.write(f"{len(groups)} group(s) of likely duplicates in {target}.")
