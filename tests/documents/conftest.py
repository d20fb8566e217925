import pytest

from comptoir.documents import services
from tests.factories import PDF_BYTES, CompanyMembershipFactory, uploaded_file


@pytest.fixture(autouse=True)
def media_root(media_root):
    """Every documents test stores its files in a fresh temporary directory."""
    return media_root


def stored_files(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def sibling_member(sibling_company):
    """An administrateur of another company of the same firm: must see nothing of ``company``."""
    return CompanyMembershipFactory(company=sibling_company, role="administrateur").user


@pytest.fixture
def document(company, firm_admin):
    """A document of ``company`` in Achats, with versions 1 and 2."""
    doc = services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file("facture-v1.pdf")
    )
    services.document_version_add(
        actor=firm_admin, document=doc, file=uploaded_file("facture-v2.pdf", PDF_BYTES + b"% v2\n")
    )
    doc.refresh_from_db()
    return doc


@pytest.fixture
def other_document(other_company, other_firm_admin):
    """A document of another firm: every URL must answer 404 for it."""
    return services.document_upload(
        actor=other_firm_admin,
        company=other_company,
        folder="ventes",
        file=uploaded_file("autre.pdf"),
    )
