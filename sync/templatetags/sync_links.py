from django import template

from sync import selectors

register = template.Library()


@register.filter
def link_statuses(client, connections):
    """{% for provider, linked in client|link_statuses:connections %}: per active connection."""
    return selectors.link_statuses(client, connections)
