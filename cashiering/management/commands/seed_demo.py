"""Loads the demo office: users for each role, periods, opening balances. Idempotent."""

from django.core.management.base import BaseCommand

from cashiering.demo import seed_demo


class Command(BaseCommand):
    help = "Create the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Demo logins:"))
        for login in logins:
            self.stdout.write(f"  {login.role:<11} {login.username:<11} {login.password}")
