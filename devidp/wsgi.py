"""WSGI entry point of the development identity provider.

``flask --app devidp.wsgi run --port 8001``, or ``gunicorn --workers 1 devidp.wsgi:app`` (one
process: sessions and codes live in memory).
"""

from devidp import create_app

app = create_app()
