"""Benchmark settings: the test settings, with e-mail built exactly as for SMTP and then dropped.

Django's locmem backend keeps every message in memory (mail.outbox): at 1,000,000
open invoices that alone would be most of the peak memory. The sink builds the
same bytes the SMTP backend would send (policy SMTP, as_bytes) and forgets them.
"""

from creditmgmt.settings_test import *  # noqa: F403

MAILERS = {"default": {"BACKEND": "tests.bench.settings_bench.SinkBackend"}}

import email.policy  # noqa: E402

from django.core.mail.backends.base import BaseEmailBackend  # noqa: E402


class SinkBackend(BaseEmailBackend):
    sent_bytes = 0

    def send_messages(self, email_messages):
        for message in email_messages:
            SinkBackend.sent_bytes += len(message.message(policy=email.policy.SMTP).as_bytes())
        return len(email_messages)
