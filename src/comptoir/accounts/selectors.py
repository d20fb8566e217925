from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from comptoir.accounts.models import ApiToken, User


def user_get_by_email(email: str) -> User | None:
    return User.objects.filter(email=(email or "").strip().lower()).first()


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens, newest first, revoked ones included."""
    return (
        ApiToken.objects.filter(user=user)
        .select_related("firm", "company")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class SessionRow:
    id: int
    device: str
    ip: str
    last_seen_at: datetime
    created_at: datetime
    is_current: bool


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"))
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_name(user_agent: str) -> str:
    """ "Firefox sur Windows" from a User-Agent; the raw text when it names no browser."""
    from django.utils.translation import gettext as _

    ua = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in ua), None)
    if browser is None and "Safari/" in ua:
        browser = "Safari"
    system = next((name for marker, name in _SYSTEMS if marker in ua), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or (ua[:60] if ua else _("Unknown device"))


def session_list(*, user: User, current_key: str | None) -> list[SessionRow]:
    """The user's sessions that still exist, the current one first, then by last activity."""
    from allauth.usersessions.models import UserSession

    rows = [
        SessionRow(
            id=s.pk,
            device=device_name(s.user_agent),
            ip=s.ip,
            last_seen_at=s.last_seen_at,
            created_at=s.created_at,
            is_current=s.session_key == current_key,
        )
        for s in UserSession.objects.purge_and_list(user)
    ]
    return sorted(rows, key=lambda r: (not r.is_current, -r.last_seen_at.timestamp()))
