"""The ceiling: a bare WSGI callable returning "ok", served with the hall's gunicorn settings."""


def app(environ, start_response):
    """Answer every request with a two-byte body."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
