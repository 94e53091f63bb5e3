"""The `person` filter (a built-in of every template, see settings): {{ close.signed_by|person }}
names someone by their full name, falling back to the username."""

from typing import Any

from django import template

from cashiering.people import person_name

register = template.Library()


@register.filter
def person(user: Any) -> str:
    return person_name(user)
