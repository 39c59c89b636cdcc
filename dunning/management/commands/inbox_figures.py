"""python manage.py inbox_figures: precision and recall per class of the inbox classifier."""

from django.core.management.base import BaseCommand

from dunning.inbox import figures


class Command(BaseCommand):
    help = (
        "Print precision and recall per class for the keyword rules, the trained model and both together, "
        "on the labelled mails (grouped cross-validation) and on a held-out set in nl/en/de/fr."
    )

    def handle(self, *args, **options):
        self.stdout.write(
            figures.table(
                "Labelled set (nl/en/de/fr; the rules were written against it),"
                " model by 5-fold CV grouped by phrasing:",
                figures.cross_validated(),
            )
        )
        self.stdout.write("")
        self.stdout.write(figures.table("Held-out set (nl/en/de/fr), never trained on:", figures.held_out()))
