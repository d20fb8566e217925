from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The portal's entry: home pages, their tiles, who may see and open each tile."""

    name = "comptoir.portal"
    label = "portal"
