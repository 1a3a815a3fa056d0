"""The general approval workbench (通用审批系统): pages of the clerks."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("workbench", __name__, url_prefix="/workbench")
