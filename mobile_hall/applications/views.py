"""Applying on the phone (统一申办受理平台): pages of the applicant."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("applications", __name__)
