from django.http import HttpRequest
from ninja import Router, Schema

from comptoir.core.api import api_context
from comptoir.core.tenancy import available_contexts

router = Router(tags=["me"])


class FirmRef(Schema):
    slug: str
    name: str
    role: str


class CompanyRef(Schema):
    id: int
    name: str
    firm: str
    role: str


class ContextOut(Schema):
    kind: str
    firm: str
    company: int | None
    role: str


class MeOut(Schema):
    id: int
    email: str
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
