"""What the page scenarios share: the URL, a logged-in client, a checked GET, and the reads
every page makes before its own (session, user, tenant context) for their baselines."""

from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench.registry import Scenario, ScenarioError


class PageScenario(Scenario):
    """A scenario that GETs one page (``self.url``) as one logged-in user."""

    url = ""

    def use_url(self, name: str) -> None:
        try:
            self.url = reverse(name)
        except NoReverseMatch:
            raise ScenarioError(f"the URL {name} does not exist yet") from None

    def log_in(self, user) -> None:
        self.user_id = user.pk
        self.client = Client()
        self.client.force_login(user)
        self.session_key = self.client.session.session_key

    def get(self):
        """The page's response; a ``ScenarioError`` unless it answered 200."""
        response = self.client.get(self.url)
        if response.status_code != 200:
            raise ScenarioError(f"{self.url} answered {response.status_code}")
        return response

    def read_session_and_user(self, cursor) -> None:
        cursor.execute(
            "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > %s",
            [self.session_key, timezone.now()],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT id, email, full_name, is_active FROM accounts_user WHERE id = %s",
            [self.user_id],
        )
        cursor.fetchall()

    def read_firm_context(self, cursor) -> None:
        """Session, user and the firm membership, as every firm page reads them."""
        self.read_session_and_user(cursor)
        cursor.execute(
            "SELECT m.id, m.role, f.id, f.name, f.slug, f.brand_colour, f.logo"
            " FROM firms_firmmembership m JOIN firms_firm f ON f.id = m.firm_id"
            " WHERE m.user_id = %s",
            [self.user_id],
        )
        cursor.fetchall()
