"""Loads the demo office: users for each role, periods, opening balances. Idempotent."""

from django.core.management.base import BaseCommand

from cashiering.demo import seed_demo


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
            self.stdout.write(f"  {login.role:<11} {login.username:<11} {login.password}")
