from django import template

from openkommune.staffsso.selectors import active_providers

register = template.Library()


@register.simple_tag
def staff_login_options():
    """The members' switched-on staff login providers, for the login page."""
    return active_providers()
