"""“Clients”: the firm's client list, first page, as a firm admin."""

from django.db import connection

from bench.generate import generate_firm
from bench.pages import PageScenario
from bench.registry import ScenarioError, register


@register
class ClientsList(PageScenario):
    name = "clients_list"
    description = (
        "clients list (companies:list) as a firm admin: the count and the first page with "
        "member counts vs raw SQL"
    )
    sizes = (1_000, 10_000)

    def setup(self, size: int) -> None:
        self.use_url("companies:list")
        generated = generate_firm(companies=size, users=max(10, size // 5))
        self.firm_id = generated.firm.pk
        self.first_name = generated.firm.companies.order_by("name", "id").first().name
        self.log_in(generated.admin)

    def check(self, content: bytes) -> None:
        if self.first_name.encode() not in content:
            raise ScenarioError(f"{self.url} does not list {self.first_name!r}")

    def selector(self) -> None:
        """What the view reads: the count and the first page, with member counts."""
        from django.core.paginator import Paginator

        from comptoir.companies.selectors import company_list_with_member_counts
        from comptoir.companies.views import CLIENTS_PER_PAGE

        companies = company_list_with_member_counts(firm=self.context.firm, q="")
        page = Paginator(companies, CLIENTS_PER_PAGE).get_page(None)
        rows = list(page.object_list)
        if not rows or rows[0].name != self.first_name:
            raise ScenarioError("the first page does not start with the first company")

    def baseline(self) -> None:
        """The same reads as a well-indexed query makes them: the count, then one page read
        along the (firm, name) index with each company's member count."""
        from comptoir.companies.views import CLIENTS_PER_PAGE

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM companies_company WHERE firm_id = %s", [self.firm_id]
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT c.id, c.name, c.siret, c.slug, c.fiscal_year_start, c.fiscal_year_end,"
                " (SELECT COUNT(*) FROM companies_companymembership m"
                " WHERE m.company_id = c.id) FROM companies_company c"
                " WHERE c.firm_id = %s ORDER BY c.name, c.id LIMIT %s",
                [self.firm_id, CLIENTS_PER_PAGE],
            )
            cursor.fetchall()
