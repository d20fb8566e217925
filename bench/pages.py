"""What the page scenarios share: the URL, a logged-in user and their tenant context, a checked
GET, and the measure of a page in this process.

A page scenario implements ``setup(size)`` (which calls ``use_url`` and ``log_in``),
``check(content)`` (raise :class:`ScenarioError` when the page is wrong), ``selector()`` (the
page's own reads through Comptoir's selectors, for the context ``self.context``, evaluated as
the view evaluates them) and ``baseline()`` (the same reads in raw SQL, written as a
well-indexed query would be). Per size, the bench checks the page (test client), counts the
queries of the whole page and of the selector (neither may grow with the size), times the
selector against the baseline interleaved, and times the whole page once more on its own for
the record (template and middleware included, no server). The layout's reads (session, user,
tenant context, context switcher) belong to every page: ``served_pages`` measures them, as
the empty page of the same layout, and the page against it.
"""

from django.test import Client
from django.urls import NoReverseMatch, reverse

from bench.registry import Result, Scenario, ScenarioError


class PageScenario(Scenario):
    """A scenario that GETs one page (``self.url``) as one logged-in user."""

    url = ""
    label = "selector/SQL"

    def use_url(self, name: str) -> None:
        try:
            self.url = reverse(name)
        except NoReverseMatch:
            raise ScenarioError(f"the URL {name} does not exist yet") from None

    def log_in(self, user) -> None:
        from comptoir.tenancy.contexts import resolve_context

        self.user = user
        self.user_id = user.pk
        self.client = Client()
        self.client.force_login(user)
        self.session_key = self.client.session.session_key
        self.context = resolve_context(user)
        if self.context is None:
            raise ScenarioError(f"{user} belongs nowhere")

    def get(self):
        """The page's response; a ``ScenarioError`` unless it answered 200."""
        response = self.client.get(self.url)
        if response.status_code != 200:
            raise ScenarioError(f"{self.url} answered {response.status_code}")
        return response

    def check(self, content: bytes) -> None:
        """Raise ``ScenarioError`` when the page's HTML is not what the data says."""

    def page(self) -> None:
        self.check(self.get().content)

    def run(self) -> None:
        self.selector()

    def selector(self) -> None:
        raise NotImplementedError

    def measure(self, bench) -> list[Result]:
        results = []
        for size in bench.sizes(type(self)):
            self.setup(size)
            try:
                self.page()  # warm up and check the answer
                page_queries = bench.count_queries(self.page)
                self.selector()
                self.baseline()
                selector_queries = bench.count_queries(self.selector)
                measured, base = bench.time_pair(self.selector, self.baseline)
                whole = bench.time_one(self.page)
            finally:
                self.teardown()
            result = self.result(size, page_queries, measured, base)
            result.extra.update(
                selector_queries=selector_queries,
                page_wall_ms=round(whole.wall_ms, 3),
                page_cpu_ms=round(whole.cpu_ms, 3),
            )
            results.append(result)
        return results
