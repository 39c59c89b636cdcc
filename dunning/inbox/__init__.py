"""The shared inbox: ingestion (upload, webhook, IMAP), threading, linking, classification, actions."""
