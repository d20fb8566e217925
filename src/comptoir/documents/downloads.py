"""The one way a version's bytes leave the application: an attachment the browser won't run.

Every download is in the firm's audit log (``document.download``: who, which version, from
which address), whether from a page or the API."""

import logging
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _

from comptoir.audit.services import audit_record
from comptoir.core.errors import NotFound
from comptoir.documents.models import DocumentVersion

logger = logging.getLogger(__name__)


def version_file_response(version: DocumentVersion, *, actor: Any) -> FileResponse:
    """The version's bytes as an attachment with its safe name and sniffed content type;
    the download is audited in the version's firm."""
    try:
        stream = version.file.open("rb")
    except OSError:
        logger.exception("The stored file of version %s is missing", version.pk)
        raise NotFound(
            _(
                "The file of this version cannot be found in storage. Tell your firm's "
                "administrator so that they can restore it."
            ),
            code="file_missing",
        ) from None
    audit_record(
        firm=version.firm,
        actor=actor,
        action="document.download",
        target=version.document,
        details={"version": version.number, "name": version.original_name},
    )
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
