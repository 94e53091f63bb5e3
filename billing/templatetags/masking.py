"""{% load masking %}: |phone_masked, |email_masked, |street_masked (billing.masking)."""

from django import template

from billing import masking

register = template.Library()
register.filter("phone_masked", masking.phone_masked)
register.filter("email_masked", masking.email_masked)
register.filter("street_masked", masking.street_masked)
