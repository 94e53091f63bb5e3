"""Customer contact details as lists show them: enough to tell two customers apart, not enough
to read a resident's phone, email or street address over a clerk's shoulder. The full details
are one logged "Show" away (billing.views.customer_contact_view)."""

import re

DOT = "•"


def phone_masked(phone: str) -> str:
    """'(607) 555-6580' -> '•••-•••-6580': the last four digits only ('' stays '')."""
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return ""
    return f"{DOT * 3}-{DOT * 3}-{digits[-4:]}" if len(digits) > 4 else DOT * len(digits)


def email_masked(email: str) -> str:
    """'dana@example.com' -> 'd•••@example.com': the first letter and the domain."""
    local, at, domain = email.partition("@")
    if not at:
        return DOT * 3 if email else ""
    return f"{local[:1]}{DOT * 3}@{domain}"


def street_masked(street: str) -> str:
    """'212 N Aurora St' -> '••• N Aurora St': the house number (and any unit) hidden, the
    street kept, since it is what tells two customers of the same name apart at the counter."""
    if not street:
        return ""
    masked = re.sub(r"\d[\w-]*", DOT * 3, street)
    return masked
