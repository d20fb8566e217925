"""Schemathesis over the whole OpenAPI document, as a firm admin and as a company administrateur.

Every operation of ``/api/v1/openapi.json`` is called with generated queries and bodies
(positive and negative data), real ids of seeded objects in the paths, and checked for: no 5xx,
no status code the document does not declare, every response in its declared schema (and
content type). The numbers (operations, calls, statuses) are printed at the end of the pytest
run (see ``tests/api/schemathesis_report.py``) and written to ``test-results/``.

Bounded so that it runs in about a minute on 2 cores: a few derandomized examples per
operation and mode, no shrinking, no deadline.
"""

import json
import time
from collections import Counter
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from comptoir.assignments import selectors as assignment_selectors
from comptoir.assignments import services as assignment_services
from comptoir.companies.invitations import company_member_invite
from comptoir.deliveries.models import Delivery, DeliveryStatus
from comptoir.documents import services as document_services
from comptoir.tenancy.tokens import token_create
from tests.assignments.conftest import install, make_app
from tests.deliveries.connections import connect_https
from tests.factories import (
    PDF_BYTES,
    CompanyFactory,
    CompanyMembershipFactory,
    FirmMembershipFactory,
    uploaded_file,
    valid_siret,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}
# Deletions run last, the company itself at the very end: until then every path names a
# living object.
DELETE_ORDER = ("/apps/", "/users/", "/invitations/", "/assignments/", "/installations/", "")
REPORT_DIR = Path(__file__).resolve().parents[2] / "var" / "reports"


class InProcessWSGI:
    """Django's WSGI handler, called in the test's own transaction: like the test client,
    it keeps Django from closing the test's database connection at the end of a request."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def seed(firm):
    """A firm's small world in which every path of the API names a real object."""
    admin = FirmMembershipFactory(firm=firm, role="admin").user
    company = CompanyFactory(firm=firm, siret=valid_siret())
    company_admin = CompanyMembershipFactory(company=company, role="administrateur").user
    member = CompanyMembershipFactory(company=company, role="collaborateur").user
    portal = install(firm, make_app(name="Portail Banque", audience="both"))
    assignment_services.assignment_create(actor=admin, installation=portal, company=company)
    assignment_services.user_access_grant(
        actor=admin,
        assignment=assignment_selectors.assignment_get(
            firm=firm, installation=portal, company_id=company.pk
        ),
        user=member,
    )
    grant = assignment_services.role_grant_create(
        actor=admin,
        installation=portal,
        companies="all",
        roles=["invite"],
        include_future_users=True,
    )
    connection = connect_https(company, "https://partenaire.example/hooks/comptoir")
    uninstalled = make_app(name="Appli pas encore ajoutée", audience="both")
    second = CompanyFactory(firm=firm, siret=valid_siret())
    document = document_services.document_upload(
        actor=admin, company=company, folder="achats", file=uploaded_file("facture.pdf")
    )
    sent = company_member_invite(
        actor=admin, company=company, email="pas.encore@example.com", role="invite"
    ).invitation
    # Each caller has two invitations of other firms waiting: one to accept, one to decline.
    received: dict[tuple[int, str], int] = {}
    for answer in ("accept", "decline"):
        elsewhere = CompanyFactory()
        inviter = FirmMembershipFactory(firm=elsewhere.firm, role="admin").user
        for user in (admin, company_admin):
            invitation = company_member_invite(
                actor=inviter, company=elsewhere, email=user.email, role="collaborateur"
            ).invitation
            received[user.pk, answer] = invitation.pk
    delivery = Delivery.objects.filter(firm=firm).order_by("id").first()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)  # resendable
    return {
        "admin": admin,
        "company": company,
        "company_admin": company_admin,
        # One valid body per operation that random data seldom gets right: each is sent once,
        # besides the generated ones, so that the success path is checked too.
        "bodies": {
            "POST /api/v1/installations": {"app": uninstalled.slug},
            "POST /api/v1/custom-apps": {"name": "Outil maison", "url": "https://outil.example/"},
            "POST /api/v1/installations/{installation_id}/assignments": {"companies": [second.pk]},
            "POST /api/v1/installations/{installation_id}/role-grants": {
                "companies": "all",
                "roles": ["collaborateur"],
            },
            "POST /api/v1/companies/{company_id}/users": {
                "email": "nouvelle.recrue@example.com",
                "role": "collaborateur",
            },
            "PATCH /api/v1/companies/{company_id}/users/{user_id}": {"role": "invite"},
            "POST /api/v1/companies/{company_id}/documents": {
                "folder": "ventes",
                "file": PDF_BYTES,
            },
            "POST /api/v1/installations/{installation_id}/assignments/import": {
                "file": f"siret\n{second.siret}\n".encode(),
            },
        },
        "paths": {
            "company_id": company.pk,
            "user_id": member.pk,
            "installation_id": portal.pk,
            "grant_id": grant.grants[0],
            "document_id": document.pk,
            "number": 1,
            "delivery_id": delivery.pk,
            "slug": connection.installation.app.slug,
            "invitation_id": sent.pk,
        },
        "received_invitations": received,
    }


def ordered(operations):
    def key(operation):
        if operation.method.upper() != "DELETE":
            return (0, 0, operation.path)
        rank = next(i for i, part in enumerate(DELETE_ORDER) if part in operation.path)
        return (1, rank, operation.path)

    return sorted(operations, key=key)


class Run:
    def __init__(self, role: str) -> None:
        self.role = role
        self.statuses: Counter[int] = Counter()
        self.reached_2xx: set[str] = set()
        self.operations: list[str] = []
        self.failures: list[str] = []

    def call(self, case, headers) -> None:
        case.headers = {
            key: value
            for key, value in (case.headers or {}).items()
            if not key.lower().startswith("x-comptoir-")
        }
        response = case.call(headers=headers)
        self.statuses[response.status_code] += 1
        label = f"{case.method.upper()} {case.path}"
        if 200 <= response.status_code < 300:
            self.reached_2xx.add(label)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as error:
            self.failures.append(
                f"{label} -> {response.status_code}: {str(error).strip()[:600]}\n"
                f"  {case.as_curl_command(headers=headers)[:600]}"
            )

    def summary(self) -> dict:
        return {
            "role": self.role,
            "operations": len(self.operations),
            "operations_with_2xx": len(self.reached_2xx),
            "calls": sum(self.statuses.values()),
            "statuses": dict(sorted(self.statuses.items())),
            "server_errors": sum(n for s, n in self.statuses.items() if s >= 500),
            "failures": len(self.failures),
            "without_2xx": sorted(set(self.operations) - self.reached_2xx),
        }


def fuzz(schema, run: Run, headers: dict, paths: dict, bodies: dict) -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in ordered(operations):
        label = f"{operation.method.upper()} {operation.path}"
        run.operations.append(label)
        names = {parameter.name for parameter in operation.path_parameters}
        missing = names - paths.keys()
        assert not missing, f"{label}: give seed() a real object for {sorted(missing)}"
        fixed = {name: paths[name] for name in names}
        if operation.path.startswith("/api/v1/me/invitations/"):
            answer = operation.path.rsplit("/", 1)[-1]
            fixed["invitation_id"] = paths["received_invitations"][answer]
        runs = [(mode, examples, {}) for mode, examples in EXAMPLES.items()]
        if label in bodies:
            runs.insert(0, (GenerationMode.POSITIVE, 1, {"body": bodies[label]}))
        for mode, examples, body in runs:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed, **body)

            @hypothesis.given(case=strategy)
            @hypothesis.settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def call(case):
                run.call(case, headers)

            call()


@pytest.fixture
def api_schema(db):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", InProcessWSGI())


@pytest.mark.parametrize("role", ["firm_admin", "company_administrateur"])
def test_the_whole_api_answers_as_its_openapi_document_says(
    role, firm, media_root, api_schema, record_property
):
    world = seed(firm)
    user = world["admin"] if role == "firm_admin" else world["company_admin"]
    _token, key = token_create(user=user, name="schemathesis")
    headers = {"Authorization": f"Bearer {key}"}
    if role == "company_administrateur":
        headers["X-Comptoir-Company"] = str(world["company"].pk)
    received = {
        answer: pk
        for (user_id, answer), pk in world["received_invitations"].items()
        if user_id == user.pk
    }
    paths = {**world["paths"], "received_invitations": received}
    run = Run(role)
    started = time.monotonic()

    fuzz(api_schema, run, headers, paths, world["bodies"])

    summary = {**run.summary(), "seconds": round(time.monotonic() - started, 1)}
    record_property("schemathesis", json.dumps(summary))
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / f"schemathesis-{role}.json").write_text(
        json.dumps({**summary, "failure_list": run.failures}, indent=1)
    )
    assert not run.failures, f"{len(run.failures)} failures:\n" + "\n\n".join(run.failures)
    assert summary["server_errors"] == 0
    # Seeded data: most operations get past validation to a success. A company administrateur
    # gets 404 from every firm endpoint by design: about a third of the API is theirs.
    share = 0.8 if role == "firm_admin" else 0.3
    assert summary["operations_with_2xx"] >= summary["operations"] * share, summary
