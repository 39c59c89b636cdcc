from django.core.management.base import BaseCommand

from creditmgmt.roles import sync_groups


class Command(BaseCommand):
    help = "Create or update the role groups and their permissions."

    def handle(self, *args, **options):
        sync_groups()
        self.stdout.write("Role groups are up to date.")
