"""Assignments API schemas, and the dicts the endpoints answer with."""

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema

from comptoir.assignments.models import CompanyAssignment, RoleGrant
from comptoir.companies.models import CompanyRole
from comptoir.core.api import documented
from comptoir.core.ids import Id
from comptoir.store.schema import COMPANY, public_settings


class CompanyRef(Schema):
    id: Id
    name: str
    siret: Annotated[str, documented(pattern="^[0-9]{14}$")] | None


class AssignmentOut(Schema):
    installation: Id
    app: str
    company: CompanyRef
    enabled: bool
    settings: dict[str, Any]
    users: Annotated[int, documented(minimum=0)] | None = None
    created_at: datetime
    updated_at: datetime


class AssignmentPage(Schema):
    items: list[AssignmentOut]
    next: str | None


class AssignIn(Schema):
    companies: list[Id]
    settings: dict[str, Any] = {}


class AssignResult(Schema):
    created: Annotated[int, documented(minimum=0)]
    updated: Annotated[int, documented(minimum=0)]
    unchanged: Annotated[int, documented(minimum=0)]
    items: list[AssignmentOut]


class AssignmentPatch(Schema):
    settings: dict[str, Any] | None = None
    enabled: bool | None = None


class AssignAllIn(Schema):
    include_future_companies: bool = False


class AssignAllOut(Schema):
    created: Annotated[int, documented(minimum=0)]
    already_assigned: Annotated[int, documented(minimum=0)]
    total: Annotated[int, documented(minimum=0)]
    include_future_companies: bool


class ImportRow(Schema):
    row: Annotated[int, documented(minimum=1, description="The spreadsheet's row number")]
    siret: str = documented(pattern="^[0-9]{14}$")
    company_id: Id
    company: str
    action: Literal["created", "updated", "unchanged"]
    changed: list[str]


class ImportOut(Schema):
    dry_run: bool
    created: Annotated[int, documented(minimum=0)]
    updated: Annotated[int, documented(minimum=0)]
    unchanged: Annotated[int, documented(minimum=0)]
    rows: list[ImportRow]
    columns: list[str]
    extra_columns: list[str]
    # Pass it back as ?preview= when applying: 409 if the plan changed since this answer.
    preview: str


class RoleGrantIn(Schema):
    companies: list[Id] | Literal["all"]
    roles: list[Annotated[str, documented(enum=list(CompanyRole.values))]]
    include_future_users: bool = False


class RoleGrantOut(Schema):
    id: Id
    installation: Id
    company: CompanyRef | None
    roles: list[Annotated[str, documented(enum=list(CompanyRole.values))]]
    include_future_users: bool
    created_at: datetime


class RoleGrantPage(Schema):
    items: list[RoleGrantOut]
    next: str | None


class RoleGrantResult(Schema):
    grants: list[Id]
    companies: Annotated[int, documented(minimum=0)]
    assigned: Annotated[int, documented(minimum=0)]
    users_granted: Annotated[int, documented(minimum=0)]


class UserAppOut(Schema):
    installation: Id
    name: str
    enabled: bool
    granted: bool
    by_rule: bool


def _company_ref(company) -> dict[str, Any]:
    return {"id": company.pk, "name": company.name, "siret": company.siret}


def assignment_out(assignment: CompanyAssignment, app=None) -> dict[str, Any]:
    app = app or assignment.installation.app
    return {
        "installation": assignment.installation_id,
        "app": app.slug,
        "company": _company_ref(assignment.company),
        "enabled": assignment.enabled,
        "settings": public_settings(app, COMPANY, assignment.settings),
        "users": getattr(assignment, "user_count", None),
        "created_at": assignment.created_at,
        "updated_at": assignment.updated_at,
    }


def grant_out(grant: RoleGrant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "installation": grant.installation_id,
        "company": _company_ref(grant.company) if grant.company_id else None,
        "roles": list(grant.roles),
        "include_future_users": grant.include_future_users,
        "created_at": grant.created_at,
    }
