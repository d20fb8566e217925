from django.http import HttpRequest
from ninja import Router, Schema

from comptoir.core.api import documented
from comptoir.core.ids import Id
from comptoir.tenancy.api import api_context
from comptoir.tenancy.contexts import available_contexts

router = Router(tags=["me"])


FIRM_ROLE = {"enum": ["admin", "collaborator"]}
COMPANY_ROLE = {"enum": ["administrateur", "collaborateur", "invite"]}


class FirmRef(Schema):
    slug: str
    name: str
    role: str = documented(**FIRM_ROLE)


class CompanyRef(Schema):
    id: Id
    name: str
    firm: str
    role: str = documented(**COMPANY_ROLE)


class ContextOut(Schema):
    kind: str = documented(enum=["firm", "company"])
    firm: str
    company: Id | None
    role: str = documented(enum=FIRM_ROLE["enum"] + COMPANY_ROLE["enum"])


class MeOut(Schema):
    id: Id
    email: str = documented(format="email")
    full_name: str
    firms: list[FirmRef]
    companies: list[CompanyRef]
    context: ContextOut


@router.get("/me", response=MeOut, summary="The user, their firms and companies, the context")
def me(request: HttpRequest):
    current = api_context(request)
    contexts = available_contexts(request.user)
    return {
        "id": request.user.pk,
        "email": request.user.email,
        "full_name": request.user.full_name,
        "firms": [
            {"slug": c.firm.slug, "name": c.firm.name, "role": c.role}
            for c in contexts
            if c.is_firm
        ],
        "companies": [
            {"id": c.company.pk, "name": c.company.name, "firm": c.firm.slug, "role": c.role}
            for c in contexts
            if not c.is_firm
        ],
        "context": {
            "kind": current.kind,
            "firm": current.firm.slug,
            "company": current.company.pk if current.company else None,
            "role": current.role,
        },
    }
