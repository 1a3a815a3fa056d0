"""Exceptions every domain's services may raise, mapped to pages by the web layer."""


class NotAuthorized(Exception):
    """The signed-in person may not see or do this (shown as 403, whatever the URL)."""
