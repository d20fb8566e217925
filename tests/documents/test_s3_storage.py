"""Documents kept in an S3-compatible object store, against a real local S3 server.

moto's ThreadedMotoServer answers the S3 HTTP API on a loopback port (no internet needed).
The storage configuration is the one settings.py builds from the S3_* variables: a child
process imports the settings with them set, and the tests run with the STORAGES it produced.
Then: uploads land in the bucket with the same bytes, downloads (API, page) and the delivery
engine read them back through the storage API, and objects stay private.
"""

import contextlib
import hashlib
import socket

import pytest

from comptoir.deliveries import engine, outbox
from comptoir.deliveries.models import Delivery
from comptoir.documents import services
from comptoir.documents.models import Document, DocumentVersion
from tests.api_errors import assert_api_error
from tests.conftest import client_for
from tests.deliveries.connections import attachment_bytes, connect, email_app, parse_mail
from tests.deliveries.servers import SmtpServer
from tests.documents.conftest import stored_files
from tests.factories import PDF_BYTES, uploaded_file
from tests.subprocess_env import clean_env, read_settings

try:
    import boto3
    from moto.server import ThreadedMotoServer
    from storages.backends.s3 import S3Storage
except ImportError:  # moto is a dev dependency: installed in CI, maybe not on every machine
    pytest.skip(
        "moto[server] is not installed: run `uv sync --group dev` to test the S3 storage",
        allow_module_level=True,
    )

BUCKET = "comptoir-documents"
REGION = "eu-west-3"
PREFIX = "cabinet-tests"
KEYS = {"aws_access_key_id": "comptoir-test", "aws_secret_access_key": "comptoir-test-secret"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def s3_environment(endpoint: str) -> dict[str, str]:
    return {
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
        "S3_PREFIX": f"/{PREFIX}/",
    }


def without_s3_variables(env: dict[str, str]) -> dict[str, str]:
    """The developer's shell may hold S3_* variables: each test states its own."""
    return {key: value for key, value in env.items() if not key.startswith("S3_")}


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_loopback_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **KEYS)
    # moto keeps its buckets for the whole process: a worker that set this module up before
    # finds the bucket there already.
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
    yield endpoint
    server.stop()


@pytest.fixture(scope="module")
def s3_client(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)


@pytest.fixture(scope="module")
def s3_storages(s3_endpoint, tmp_path_factory):
    """STORAGES as settings.py builds it from the S3_* variables, in a child process."""
    var_dir = tmp_path_factory.mktemp("var")
    env = without_s3_variables(clean_env(var_dir, COMPTOIR_MODE="test"))
    env.update(s3_environment(s3_endpoint))
    values = read_settings(env, "STORAGES")
    assert "error" not in values, values
    return values["STORAGES"]


@pytest.fixture
def s3(settings, s3_storages, s3_client):
    """Django's default storage is the S3 one for this test, on an emptied bucket."""
    listed = s3_client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        s3_client.delete_object(Bucket=BUCKET, Key=item["Key"])
    # Changing STORAGES resets django.core.files.storage.storages and default_storage
    # (Django's setting_changed receiver), here and again when the test ends.
    settings.STORAGES = s3_storages
    return s3_client


def bucket_keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def object_bytes(client, version) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{version.file.name}")["Body"].read()


def downloaded(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --- configuration ------------------------------------------------------------------------------


def test_settings_build_a_private_s3_storage_from_the_environment(s3_storages, s3_endpoint):
    default = s3_storages["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"] == {
        "bucket_name": BUCKET,
        "endpoint_url": s3_endpoint,
        "region_name": REGION,
        "access_key": KEYS["aws_access_key_id"],
        "secret_key": KEYS["aws_secret_access_key"],
        "location": PREFIX,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "max_memory_size": 5 * 1024 * 1024,
    }


def test_without_s3_bucket_files_stay_on_the_filesystem(tmp_path):
    env = without_s3_variables(clean_env(tmp_path, COMPTOIR_MODE="test"))
    env["S3_ENDPOINT_URL"] = "http://127.0.0.1:9"  # ignored without a bucket
    values = read_settings(env, "STORAGES")
    assert values["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_the_documents_use_the_configured_s3_storage(s3):
    field = DocumentVersion._meta.get_field("file")
    assert isinstance(field.storage, S3Storage)  # the lazy default storage, set up from STORAGES
    assert field.storage.bucket_name == BUCKET
    assert field.storage.location == PREFIX


# --- documents in the bucket --------------------------------------------------------------------


def test_upload_puts_the_same_bytes_in_the_bucket(s3, company, firm_admin, media_root):
    content = PDF_BYTES + b"% facture S3 2026-0007\n"
    document = services.document_upload(
        actor=firm_admin,
        company=company,
        folder="achats",
        file=uploaded_file("facture.pdf", content),
    )
    version = document.versions.get()

    assert bucket_keys(s3) == [f"{PREFIX}/{version.file.name}"]
    assert version.file.name.startswith(f"documents/{company.firm_id}/{company.pk}/")
    assert sha256(object_bytes(s3, version)) == version.sha256 == sha256(content)
    assert stored_files(media_root) == []  # nothing written to the filesystem


def test_objects_are_private(s3, company, firm_admin):
    document = services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file()
    )
    version = document.versions.get()
    acl = s3.get_object_acl(Bucket=BUCKET, Key=f"{PREFIX}/{version.file.name}")
    grants = [(grant["Grantee"].get("URI"), grant["Permission"]) for grant in acl["Grants"]]
    assert grants == [(None, "FULL_CONTROL")]  # the owner only: no AllUsers, no AuthenticatedUsers


def test_download_through_the_api_and_the_page(s3, api_as, company, firm_admin, company_guest):
    content = PDF_BYTES + b"% releve\n"
    document = services.document_upload(
        actor=firm_admin,
        company=company,
        folder="banque",
        file=uploaded_file("relevé.pdf", content),
    )

    response = api_as(firm_admin).get(f"/documents/{document.pk}/versions/1/file")
    assert downloaded(response) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")

    response = client_for(company_guest).get(f"/documents/{document.pk}/versions/1/fichier/")
    assert downloaded(response) == content
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_new_versions_are_new_objects_and_every_version_stays_readable(
    s3, api_as, company, firm_admin, company_admin
):
    first, second, third = (PDF_BYTES + f"% v{n}\n".encode() for n in (1, 2, 3))
    document = services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file("v1.pdf", first)
    )
    services.document_version_add(
        actor=firm_admin, document=document, file=uploaded_file("v2.pdf", second)
    )
    response = client_for(company_admin).post(
        f"/documents/{document.pk}/", {"file": uploaded_file("v3.pdf", third)}
    )
    assert response.status_code == 302

    versions = list(document.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert len(bucket_keys(s3)) == 3
    for version, content in zip(versions, (first, second, third), strict=True):
        assert object_bytes(s3, version) == content
        path = f"/documents/{document.pk}/versions/{version.number}/file"
        assert downloaded(api_as(company_admin).get(path)) == content


def test_a_rolled_back_upload_leaves_no_object(s3, company, firm_admin, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("planning failed")

    monkeypatch.setattr(outbox, "plan_deliveries_for_version", fail)
    with pytest.raises(RuntimeError):
        services.document_upload(
            actor=firm_admin, company=company, folder="achats", file=uploaded_file()
        )
    assert bucket_keys(s3) == []
    assert not Document.objects.exists()


def test_a_missing_object_answers_404_with_a_clear_message(s3, api_as, company, firm_admin):
    document = services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file()
    )
    version = document.versions.get()
    s3.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/{version.file.name}")

    response = api_as(firm_admin).get(f"/documents/{document.pk}/versions/1/file")
    assert response.status_code == 404
    assert_api_error(response, code="file_missing")


# --- the delivery engine reads the bucket -------------------------------------------------------


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


def test_the_delivery_engine_sends_the_bytes_read_from_the_bucket(
    s3, settings, smtp_server, company, firm_admin
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    smtp_server.reset()
    connect(
        company,
        email_app(),
        firm_settings={"bot_sender": "robot+cabinet@envoi.example"},
        company_settings={"email_achats": "achat.dossier@box.saisix.example"},
    )
    content = PDF_BYTES + b"% envoyee depuis le bucket\n"
    document = services.document_upload(
        actor=firm_admin, company=company, folder="achats", file=uploaded_file("achat.pdf", content)
    )
    delivery = Delivery.objects.get()

    outgoing = engine.outgoing_document(engine.load(delivery.pk))
    assert outgoing.read_bytes() == content  # the opener goes through storage.open()
    assert engine.process_delivery(delivery.pk) == "sent"

    [received] = smtp_server.messages
    assert sha256(attachment_bytes(parse_mail(received))) == document.versions.get().sha256
