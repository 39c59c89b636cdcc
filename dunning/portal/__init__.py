"""The customer portal: personal links in every reminder, and public pages behind them.

links      tokens and the link every reminder carries (bulk per daily-run chunk)
guard      token lookup, rate limits, the one 404 page for every bad link
services   what a customer (or a controller, for links) changes: one transaction, timeline event
payments   the payment-provider interface and the demo provider
statement  the statement of account with aging as PDF
views      public pages (token) and the controller's actions on the 360
"""
