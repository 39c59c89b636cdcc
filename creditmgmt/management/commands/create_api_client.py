from django.core.management.base import BaseCommand, CommandError

from creditmgmt.models import ApiClient
from creditmgmt.services import create_api_client


class Command(BaseCommand):
    help = "Make an API client (a webshop, an ERP) and print its key once. Admins can also use the admin."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who calls, e.g. webshop; decisions name it as 'api: <name>'")
        parser.add_argument(
            "--scope",
            action="append",
            choices=ApiClient.Scope.values,
            default=[],
            help="what the client may do; repeat for more scopes",
        )

    def handle(self, *args, name, scope, **options):
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"An API client named {name!r} exists already")
        if not scope:
            raise CommandError(f"Give at least one --scope ({', '.join(ApiClient.Scope.values)})")
        try:
            client, key = create_api_client(name=name, scopes=scope)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"API client {client.name} ({', '.join(client.scopes)}); its key, shown once:")
        self.stdout.write(key)
