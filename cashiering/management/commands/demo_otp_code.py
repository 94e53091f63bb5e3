"""Prints the current two-factor code of a demo user (what their authenticator app would show)."""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from cashiering.two_factor.services import DEMO_DEVICE_NAME, totp_code_now


class Command(BaseCommand):
    help = (
        "Print the 6-digit code a demo Supervisor or Admin types after the password "
        "(only users seeded by seed_demo, which have the demo authenticator device)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="supervisor")

    def handle(self, *args, username: str, **options):
        device = (
            TOTPDevice.objects.filter(
                user__username=username, name=DEMO_DEVICE_NAME, confirmed=True
            )
            .order_by("pk")
            .first()
        )
        if device is None:
            known = User.objects.filter(username=username).exists()
            reason = "has no demo authenticator device" if known else "is not a user"
            raise CommandError(
                f"{username!r} {reason}: only the demo Supervisors and Admin seeded by "
                "seed_demo have one (real users scan a QR code in their own app)."
            )
        self.stdout.write(totp_code_now(device))
