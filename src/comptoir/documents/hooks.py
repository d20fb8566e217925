"""What the documents do when another app changes something: the one module they call.

Called explicitly, inside the caller's transaction (see ARCHITECTURE.md, "Floors"):

- ``companies.services.company_delete`` → :func:`company_deleting`, before the company's
  rows go (the documents and versions cascade with it; their stored files go after commit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from comptoir.documents import services

if TYPE_CHECKING:
    from comptoir.companies.models import Company


def company_deleting(*, company: Company) -> int:
    """Schedule the deletion of the company's stored files once its deletion commits; how many."""
    return services.company_files_delete_on_commit(company=company)
