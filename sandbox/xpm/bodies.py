"""Request bodies of the client endpoints, checked as strictly as the spec defines them.

Every request DTO in the spec sets `additionalProperties: false`, so an unknown field (say
`website` where the update request spells it `webSite`) is refused with a message naming it.
"""

from numbers import Real


class BodyError(ValueError):
    """A request body that does not match its DTO; the message names the field."""


_CLIENT_STRING_FIELDS = (
    "name",
    "firstName",
    "lastName",
    "otherName",
    "middleName",
    "title",
    "gender",
    "email",
    "dateOfBirth",
    "dateOfDeath",
    "placeOfBirthCity",
    "placeOfBirthCountryCode",
    "address",
    "city",
    "region",
    "postCode",
    "country",
    "postalAddress",
    "postalCity",
    "postalRegion",
    "postalPostCode",
    "postalCountry",
    "phone",
    "fax",
    "webSite",
    "referralSource",
    "exportCode",
    "isProspect",
    "billingClientUuid",
    "accountManagerUuid",
    "jobManagerUuid",
    "taxNumber",
    "companyNumber",
    "businessNumber",
    "branchNumber",
    "businessStructure",
    "balanceMonth",
    "gstRegistered",
    "prepareGst",
    "gstBasis",
    "provisionalTaxBasis",
    "signedTaxAuthority",
    "taxAgent",
    "agencyStatus",
    "prepareActivityStatement",
    "prepareTaxReturn",
    "returnType",
    "activeAtoClient",
    "clientCode",
)
_CLIENT_FIELDS = {
    **dict.fromkeys(_CLIENT_STRING_FIELDS, str),
    "gstPeriod": int,
    "provisionalTaxRatio": Real,
    "autoBasOptInCriteria": dict,
}
# Request fields that a client stores and answers under another name.
STORED_NAMES = {
    "webSite": "website",
    "accountManagerUuid": "accountManager",
    "jobManagerUuid": "jobManager",
    "billingClientUuid": "billingClient",
}
CLIENT_ADD_FIELDS = {**_CLIENT_FIELDS, "contacts": list}
CLIENT_UPDATE_FIELDS = {**_CLIENT_FIELDS, "uuid": str}
CONTACT_INSERT_FIELDS = dict.fromkeys(
    ("name", "phone", "mobile", "email", "position", "salutation", "addressee", "isPrimary"), str
)
AUTO_BAS_FIELDS = dict.fromkeys(("annually", "monthly", "quarterly", "opt-out"), str)
ADD_CONTACTS_FIELDS = {"uuid": str, "contacts": list}
CONTACT_LINK_FIELDS = dict.fromkeys(("uuid", "position", "isPrimary"), str)
_TYPE_NAMES = {
    str: "a string",
    int: "a whole number",
    Real: "a number",
    dict: "an object",
    list: "an array",
}


def body_check(body: object, fields: dict[str, type], *, where: str = "body") -> dict:
    """Return `body` if it is an object whose fields all exist in `fields` with the right type."""
    if not isinstance(body, dict):
        raise BodyError(f"The {where} must be a JSON object.")
    for name, value in body.items():
        expected = fields.get(name)
        if expected is None:
            raise BodyError(f"Unknown field {name!r} in the {where}.")
        if value is None:
            continue
        wrong_type = not isinstance(value, expected) or (
            expected in (int, Real) and isinstance(value, bool)
        )
        if wrong_type:
            raise BodyError(f"Field {name!r} in the {where} must be {_TYPE_NAMES[expected]}.")
    if isinstance(body.get("autoBasOptInCriteria"), dict):
        body_check(body["autoBasOptInCriteria"], AUTO_BAS_FIELDS, where="autoBasOptInCriteria")
    return body
