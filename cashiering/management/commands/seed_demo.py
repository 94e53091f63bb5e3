"""Loads the demo office: users for each role, periods, opening balances. Idempotent."""

from django.core.management.base import BaseCommand

from cashiering.demo import seed_demo
from cashiering.two_factor.services import DEMO_TOTP_SECRET_BASE32, ROLES_WITH_TWO_FACTOR


class Command(BaseCommand):
    help = "Create the demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["normal", "large"],
            default="normal",
            help="large adds 200,000 water accounts and 1,000,000 bills (for benchmarks).",
        )

    def handle(self, *args, scale: str, **options):
        logins = seed_demo(large=scale == "large", progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Demo logins:"))
        for login in logins:
            code = "  + code (below)" if login.role in ROLES_WITH_TWO_FACTOR else ""
            self.stdout.write(f"  {login.role:<11} {login.username:<11} {login.password}{code}")
        self.stdout.write(
            "Supervisors and the Admin then type a 6-digit code: in another terminal run\n"
            "  .venv/bin/python manage.py demo_otp_code supervisor   (or supervisor2, admin)\n"
            f"or add the demo key {DEMO_TOTP_SECRET_BASE32} to an authenticator app."
        )
