"""WSGI entry point of the stand-in province: ``gunicorn devprovince.wsgi:app`` with
``PROVINCE_SECRET`` and ``PROVINCE_DATABASE`` in the environment (``flask exchange receiver``
starts it with the hall's settings instead)."""

import os

from devprovince import create_app

app = create_app(
    {
        "PROVINCE_SECRET": os.environ["PROVINCE_SECRET"],
        "PROVINCE_DATABASE": os.environ.get("PROVINCE_DATABASE", "instance/province.sqlite3"),
        "PROVINCE_FAULT": os.environ.get("PROVINCE_FAULT", "none"),
    }
)
