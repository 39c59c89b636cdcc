"""python manage.py demo_logins: who can sign in to the demo, and where."""

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from creditmgmt.models import Role, User

URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Print the demo users (username, role, password) and the address of the app."

    def handle(self, *args, **options):
        users = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in DEMO_USERS])}
        if not users:
            self.stdout.write("No demo users yet: run `python manage.py seed_demo` first.")
            return
        rows = [("username", "role", "name", "password")]
        for username, *_rest in DEMO_USERS:
            user = users.get(username)
            if user is None:
                continue
            rows.append((username, str(Role(user.role).label), user.get_full_name(), DEMO_PASSWORD))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
        self.stdout.write(line)
        for n, row in enumerate(rows):
            self.stdout.write(
                "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
            )
            if n == 0:
                self.stdout.write(line)
        self.stdout.write(line)
        self.stdout.write(
            f"Sign in at {URL} with any of these; the password is {DEMO_PASSWORD!r} unless you changed it."
        )
