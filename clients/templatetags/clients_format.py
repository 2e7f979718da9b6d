from django import template

from clients.validation import phone_display

register = template.Library()


@register.filter
def phone(number: str) -> str:
    """A stored E.164 phone number as people in the practice's region write it."""
    return phone_display(number)


@register.filter
def web_link(url: str) -> str:
    """`url` when it is safe to link to (http or https), else "": the services only store such
    addresses, but a row written around them must not become a javascript: link."""
    return url if url.lower().startswith(("http://", "https://")) else ""
