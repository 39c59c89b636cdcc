"""Django's PostgreSQL backend with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django asks a reused connection `SELECT 1` before the first
query of every request: on the decision API, one round trip in fifteen. An idle
connection has nothing to read; a server that ended it (a restart, an administrator's
pg_terminate_backend) has sent its goodbye and closed the socket, which makes it
readable. So the socket is looked at first, without waiting, and only then, when there
is something, Django's SELECT 1 decides. A connection that went silent on the network
is not seen this way, nor is it by SELECT 1 before its timeout.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self._socket_has_input() and not self.is_usable():
            self.close()
        self.health_check_done = True

    def _socket_has_input(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # closed already: let is_usable say so
            return True
        return bool(readable)
