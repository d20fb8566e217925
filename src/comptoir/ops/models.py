from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel


class Heartbeat(TimeStampedModel):
    """When a long-running process last did its work (``deliveries-sweep``...), for /readyz.

    One row per process name, updated in place at each pass; no status transitions.
    """

    name = models.CharField(_("name"), max_length=60, unique=True)
    beat_at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
