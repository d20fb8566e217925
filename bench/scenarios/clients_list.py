"""“Clients”: the firm's client list, first page, as a firm admin."""

from django.db import connection

from bench.generate import generate_firm
from bench.pages import PageScenario
from bench.registry import ScenarioError, register

PAGE_SIZE = 50  # as on the page (companies.views.CLIENTS_PER_PAGE)


@register
class ClientsList(PageScenario):
    name = "clients_list"
    description = "GET /cabinet/clients/ (companies:list) as a firm admin"
    sizes = (1_000, 10_000)

    def setup(self, size: int) -> None:
        self.use_url("companies:list")
        generated = generate_firm(companies=size, users=max(10, size // 5))
        self.firm_id = generated.firm.pk
        self.first_name = generated.firm.companies.order_by("name", "id").first().name
        self.log_in(generated.admin)

    def run(self) -> None:
        response = self.get()
        if self.first_name.encode() not in response.content:
            raise ScenarioError(f"{self.url} does not list {self.first_name!r}")

    def baseline(self) -> None:
        """The page's reads: session, user, firm membership, count, one page with members."""
        with connection.cursor() as cursor:
            self.read_firm_context(cursor)
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
