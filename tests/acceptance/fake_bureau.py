"""A small fake credit bureau: a real HTTP server on 127.0.0.1 with an ephemeral port.

    with FakeBureau(api_key="k") as bureau:
        bureau.reports["12345678"] = {...}     # 200 with this JSON
        bureau.failures["12345678"] = 2        # two 500s first, then the report
        bureau.slow.add("12345678")            # answers only after the client gave up
        bureau.raw["12345678"] = b"not json"   # 200 with this body
        bureau.url                             # http://127.0.0.1:PORT
        bureau.requests                        # [(path, headers), ...]

Anything else is 404 (the bureau does not know the company); a wrong or
missing key is 401. It speaks the API `acceptance.bureau_http` expects.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeBureau:
    def __init__(self, *, api_key: str = "bureau-key", slow_seconds: float = 3.0):
        self.api_key = api_key
        self.slow_seconds = slow_seconds
        self.reports: dict[str, dict] = {}
        self.failures: dict[str, int] = {}
        self.slow: set[str] = set()
        self.raw: dict[str, bytes] = {}
        self.requests: list[tuple[str, dict]] = []
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeBureau:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()  # let slow answers finish at once
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self):
        bureau = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet test output
                pass

            def send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                bureau.requests.append((self.path, dict(self.headers)))
                if self.headers.get("Authorization") != f"Bearer {bureau.api_key}":
                    return self.send(401, b'{"error": "unauthorized"}')
                prefix = "/companies/"
                if not self.path.startswith(prefix):
                    return self.send(404, b'{"error": "not found"}')
                number = self.path[len(prefix) :]
                if number in bureau.slow:
                    bureau._release.wait(bureau.slow_seconds)
                if bureau.failures.get(number, 0) > 0:
                    bureau.failures[number] -= 1
                    return self.send(500, b'{"error": "internal"}')
                if number in bureau.raw:
                    return self.send(200, bureau.raw[number])
                if number not in bureau.reports:
                    return self.send(404, b'{"error": "unknown company"}')
                return self.send(200, json.dumps(bureau.reports[number]).encode())

        return Handler


def report(number: str, **fields) -> dict:
    """A healthy company as the bureau's JSON; override any field."""
    return {
        "registration_number": number,
        "name": f"Bureau company {number}",
        "address": "Stationsplein 1",
        "postal_code": "3511 AB",
        "city": "Utrecht",
        "country": "NL",
        "legal_form": "bv",
        "founded_on": "2010-03-01",
        "sector": "wholesale",
        "score": 80,
        "probability_of_default": "1.20",
        "rating": "A",
        "recommended_limit": "40000.00",
        "currency": "EUR",
        "negative_events": [],
        "parent_registration_number": "",
        **fields,
    }
