"""The demo's logins on the login page (demo mode only: settings.py adds this processor then).

Whoever tries the demo needs a login per role; the console of ``make demo`` prints them, and
the login page shows them too, so that nobody has to go back to the terminal.
"""

from django.utils.translation import gettext_lazy as _

from comptoir.demo import data

ROLE_LABELS = {
    data.FIRM_ADMIN: _("Firm administrator"),
    data.FIRM_COLLABORATOR: _("Firm collaborator"),
    data.COMPANY_ADMIN: _("Company administrator"),
    data.COMPANY_COLLABORATOR: _("Company collaborator"),
    data.COMPANY_GUEST: _("Company guest"),
}
LOGIN_PAGES = {"login", "account_login"}


def demo_logins(request) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in LOGIN_PAGES:
        return {}
    firms = {firm.slug: firm.name for firm in data.FIRMS}
    logins = [
        {
            "email": login.email,
            "name": login.full_name,
            "role": ROLE_LABELS.get(login.role, login.role),
            "place": login.company or firms.get(login.firm, login.firm),
        }
        for login in data.LOGINS
    ]
    return {"demo_logins": logins, "demo_password": data.DEMO_PASSWORD}
