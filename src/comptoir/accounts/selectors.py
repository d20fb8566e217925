from django.db.models import QuerySet

from comptoir.accounts.models import ApiToken, User


def user_get_by_email(email: str) -> User | None:
    return User.objects.filter(email=(email or "").strip().lower()).first()


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens, newest first, revoked ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
