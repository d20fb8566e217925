import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.documents import services
from tests.factories import CompanyFactory, CompanyMembershipFactory, FirmMembershipFactory

PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores its files in a fresh temporary directory."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


def upload(name: str = "facture.pdf", content: bytes = PDF_BYTES, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def company_collaborator(company):
    return CompanyMembershipFactory(company=company, role="collaborateur").user


@pytest.fixture
def sibling_company(firm):
    """Another client company of the same firm."""
    return CompanyFactory(firm=firm)


@pytest.fixture
def sibling_member(sibling_company):
    """An administrateur of another company of the same firm: must see nothing of ``company``."""
    return CompanyMembershipFactory(company=sibling_company, role="administrateur").user


@pytest.fixture
def other_firm_admin(other_firm):
    return FirmMembershipFactory(firm=other_firm, role="admin").user


@pytest.fixture
def document(company, firm_admin):
    """A document of ``company`` in Achats, with versions 1 and 2."""
    doc = services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=upload("facture-v1.pdf")
    )
    services.document_version_add(
        actor=firm_admin, document=doc, file=upload("facture-v2.pdf", PDF_BYTES + b"% v2\n")
    )
    doc.refresh_from_db()
    return doc


@pytest.fixture
def other_document(other_company, other_firm_admin):
    """A document of another firm: every URL must answer 404 for it."""
    return services.document_upload(
        actor=other_firm_admin, company=other_company, folder="ventes", file=upload("autre.pdf")
    )
