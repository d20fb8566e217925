"""The JSON API (``/api/v1/``): each domain app contributes its router here."""

from comptoir.core.api import build_api

api = build_api()
