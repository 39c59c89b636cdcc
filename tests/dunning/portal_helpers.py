"""Shared helpers for the portal tests."""

from urllib.parse import urlsplit

from dunning.portal.services import make_link


def link_path(customer, by="test") -> str:
    return urlsplit(make_link(customer=customer, by=by)).path


def token_of(path: str) -> str:
    return path.strip("/").split("/")[1]
