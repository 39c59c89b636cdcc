from django.core.management.base import BaseCommand
from django_q.models import Schedule

from creditmgmt.schedules import SCHEDULES


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules from creditmgmt.schedules (by name)."

    def handle(self, *args, **options):
        for spec in SCHEDULES:
            values = {k: v for k, v in spec.items() if k != "name"}
            _, created = Schedule.objects.update_or_create(name=spec["name"], defaults=values)
            self.stdout.write(f"{'created' if created else 'updated'}: {spec['name']}")
