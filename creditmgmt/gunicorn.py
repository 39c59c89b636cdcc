"""gunicorn's settings for this app: `gunicorn -c python:creditmgmt.gunicorn creditmgmt.wsgi`.

The app is loaded once, in the master (preload_app), and the workers are forked from it: a
worker starts at once and shares the master's memory. A restart after a deploy must therefore
restart the master (`kill -HUP` reloads only the workers, from the code already loaded).
Options given on the command line (--workers, --bind...) win over these.
"""

preload_app = True


def when_ready(server) -> None:
    """In the master, after loading the app and before the first fork."""
    from django.db import connections

    # A connection opened while loading would be shared by every forked worker: close it here.
    connections.close_all()
