from comptoir.companies.selectors import user_pending_invitations


def pending_invitations(request):
    """The signed-in user's invitations waiting for an answer, for the banner (one query, only
    when the layout shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"pending_invitations": lambda: list(user_pending_invitations(user=user))}
