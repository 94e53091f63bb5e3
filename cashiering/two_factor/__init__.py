"""Two-factor sign-in (TOTP, django-otp) for Supervisors and Admins: the rule, the services, the
middleware that enforces it and the verify and enrol pages (docs/security/two-factor.md)."""
