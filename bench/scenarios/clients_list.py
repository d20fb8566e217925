"""“Clients”: the firm's client list, first page, as a firm admin."""

from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench.generate import generate_firm
from bench.registry import Scenario, ScenarioError, register

PAGE_SIZE = 50  # as on the page (companies.views.CLIENTS_PER_PAGE)


@register
class ClientsList(Scenario):
    name = "clients_list"
    description = "GET /cabinet/clients/ (companies:list) as a firm admin"
    sizes = (1_000, 10_000)

    def setup(self, size: int) -> None:
        try:
            self.url = reverse("companies:list")
        except NoReverseMatch:
            raise ScenarioError("the URL companies:list does not exist yet") from None
        generated = generate_firm(companies=size, users=max(10, size // 5))
        self.firm_id = generated.firm.pk
        self.user_id = generated.admin.pk
        self.first_name = generated.firm.companies.order_by("name", "id").first().name
        self.client = Client()
        self.client.force_login(generated.admin)
        self.session_key = self.client.session.session_key

    def run(self) -> None:
        response = self.client.get(self.url)
        if response.status_code != 200:
            raise ScenarioError(f"{self.url} answered {response.status_code}")
        if self.first_name.encode() not in response.content:
            raise ScenarioError(f"{self.url} does not list {self.first_name!r}")

    def baseline(self) -> None:
        """The page's reads: session, user, firm membership, count, one page with members."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT session_data FROM django_session"
                " WHERE session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT id, email, full_name, is_active FROM accounts_user WHERE id = %s",
                [self.user_id],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT m.id, m.role, f.id, f.name, f.slug, f.brand_colour, f.logo"
                " FROM firms_firmmembership m JOIN firms_firm f ON f.id = m.firm_id"
                " WHERE m.user_id = %s",
                [self.user_id],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT COUNT(*) FROM companies_company WHERE firm_id = %s", [self.firm_id]
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT c.id, c.name, c.siret, c.slug, c.fiscal_year_start, c.fiscal_year_end,"
                " COUNT(m.id) FROM companies_company c"
                " LEFT JOIN companies_companymembership m ON m.company_id = c.id"
                " WHERE c.firm_id = %s GROUP BY c.id ORDER BY c.name, c.id LIMIT %s",
                [self.firm_id, PAGE_SIZE],
            )
            cursor.fetchall()
