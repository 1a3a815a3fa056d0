"""The WSGI entry point for gunicorn and `flask --app wsgi`."""

import os

from config import config_for
from mobile_hall import create_app

app = create_app(config_for(os.environ.get("HALL_ENV")))
