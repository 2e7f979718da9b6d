from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower

from accounts.models import Firm
from integrations.crypto import EncryptedTextField


class ClientKind(models.TextChoices):
    COMPANY = "company", "Company"
    TRUST = "trust", "Trust"
    PARTNERSHIP = "partnership", "Partnership"
    INDIVIDUAL = "individual", "Individual"


ENTITY_KINDS = (ClientKind.COMPANY, ClientKind.TRUST, ClientKind.PARTNERSHIP)

ADDRESS_PARTS = ("line1", "line2", "city", "region", "post_code", "country")


class EncryptedCharField(EncryptedTextField):
    """A short value stored encrypted: validated and edited like a CharField of `max_length`.

    The column is text, as the ciphertext is several times longer than the value.
    """

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))

    def formfield(self, **kwargs):
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class Client(models.Model):
    """A company, trust, partnership or individual the firm serves.

    Individuals are also the contacts of entity clients, through `Relationship`.
    """

    # Found through the list's indexes, which all begin with it, rather than an index more.
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="clients", db_index=False)
    kind = models.CharField(max_length=20, choices=ClientKind.choices)
    display_name = models.CharField(max_length=255)
    first_name = models.CharField(max_length=100, blank=True)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    code = models.CharField("client code", max_length=40, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    mobile = models.CharField(max_length=32, blank=True)
    website = models.URLField(blank=True)
    physical_line1 = models.CharField("physical address line 1", max_length=200, blank=True)
    physical_line2 = models.CharField("physical address line 2", max_length=200, blank=True)
    physical_city = models.CharField("physical city", max_length=100, blank=True)
    physical_region = models.CharField("physical region", max_length=100, blank=True)
    physical_post_code = models.CharField("physical post code", max_length=20, blank=True)
    physical_country = models.CharField("physical country", max_length=100, blank=True)
    postal_line1 = models.CharField("postal address line 1", max_length=200, blank=True)
    postal_line2 = models.CharField("postal address line 2", max_length=200, blank=True)
    postal_city = models.CharField("postal city", max_length=100, blank=True)
    postal_region = models.CharField("postal region", max_length=100, blank=True)
    postal_post_code = models.CharField("postal post code", max_length=20, blank=True)
    postal_country = models.CharField("postal country", max_length=100, blank=True)
    # A person's IRD or TFN number is what identity thieves look for: encrypted at rest, so it
    # can be compared only in Python, never filtered on.
    tax_number = EncryptedCharField(max_length=40, blank=True)
    company_number = models.CharField("company or business number", max_length=40, blank=True)
    notes = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Set when the client was merged into another (a duplicate contact); it stays, archived,
    # so the merge can be undone.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )

    # Derived by the database, so every write path (forms, imports, bulk_create) keeps them
    # right: the list sorts on `sort_name` and searches one lower-cased column.
    sort_name = models.GeneratedField(
        expression=Lower("display_name"),
        output_field=models.CharField(max_length=255),
        db_persist=True,
    )
    search_text = models.GeneratedField(
        expression=Lower(
            Concat(
                "display_name",
                Value(" "),
                "code",
                Value(" "),
                "email",
                Value(" "),
                "phone",
                Value(" "),
                "mobile",
                output_field=models.CharField(),
            )
        ),
        output_field=models.CharField(max_length=600),
        db_persist=True,
    )

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["sort_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "code"], condition=~Q(code=""), name="client_code_unique_per_firm"
            ),
        ]
        # One index per sort of the client list (see clients.selectors.CLIENT_SORTS). Each
        # ends with the list's filter columns, so walking it in order tests "archived?" and
        # the search on the index entry and reads only the rows shown from the table: a page
        # stays quick at any depth and for a search that matches few of 100,000 clients.
        indexes = [
            models.Index(
                fields=["firm", "sort_name", "id", "archived_at", "search_text"],
                name="client_list_name",
            ),
            models.Index(
                fields=["firm", "kind", "sort_name", "id", "archived_at", "search_text"],
                name="client_list_kind",
            ),
            models.Index(
                fields=["firm", "code", "id", "archived_at", "search_text"],
                name="client_list_code",
            ),
            models.Index(
                fields=["firm", "updated_at", "id", "archived_at", "search_text"],
                name="client_list_updated",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_individual(self) -> bool:
        return self.kind == ClientKind.INDIVIDUAL

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def address(self, prefix: str) -> str:
        return ", ".join(
            value for part in ADDRESS_PARTS if (value := getattr(self, f"{prefix}_{part}"))
        )


class RelationshipRole(models.TextChoices):
    DIRECTOR = "director", "Director"
    SHAREHOLDER = "shareholder", "Shareholder"
    TRUSTEE = "trustee", "Trustee"
    BENEFICIARY = "beneficiary", "Beneficiary"
    PARTNER = "partner", "Partner"
    CONTACT = "contact", "Contact"


class Relationship(models.Model):
    """An individual's role in an entity client: director of, trustee of, contact of..."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    entity = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="member_links")
    individual = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="entity_links")
    role = models.CharField(max_length=20, choices=RelationshipRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["role", "individual__sort_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "individual", "role"], name="relationship_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.individual} is {self.get_role_display().lower()} of {self.entity}"


class ClientMerge(models.Model):
    """One merge of duplicate contacts into a survivor, with what it takes to undo it.

    `undo` holds the survivor's replaced values and notes, the codes taken from duplicates,
    the ids of the appointments, documents and relationships moved (with the client each came
    from) and the relationships dropped because the survivor already held that role.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    survivor = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="merges")
    duplicates = models.ManyToManyField(Client, related_name="+")
    undo = models.JSONField(default=dict)
    merged_at = models.DateTimeField(auto_now_add=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"Merge into {self.survivor}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None
