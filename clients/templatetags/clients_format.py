from django import template

from clients.validation import phone_display

register = template.Library()


@register.filter
def phone(number: str) -> str:
    """A stored E.164 phone number as people in the practice's region write it."""
    return phone_display(number)
