"""The applicant's mailbox summary for the status page of the submissions app, which must
not import cases: its template includes `cases/citizen_status_panel.html`, which loads this."""

from django import template

from openkommune.cases.selectors.mailbox import applicant_mailbox_summary

register = template.Library()


@register.simple_tag
def applicant_mailbox(application):
    """Counts of messages and notices of an application the page has already authorised."""
    return applicant_mailbox_summary(application=application)
