"""Assignments API: companies that have an app, CSV/XLSX import, assign to all, role grants,
and which users of a company see which app."""

from ninja import Router

from comptoir.assignments.api import access, assignments, imports


def _keep_operation_ids(child: Router) -> Router:
    """Keep the operation ids of the one-module API (``comptoir_assignments_api_<view>``):
    clients generated from the OpenAPI schema name their methods after them."""
    for path_view in child.path_operations.values():
        for operation in path_view.operations:
            if not operation.operation_id:
                name = operation.view_func.__name__
                operation.operation_id = f"comptoir_assignments_api_{name}"
    return child


router = Router(tags=["assignments"])
# Literal paths (template.csv, import) come before /{company_id} so that they win the match:
# the import's router is added first.
router.add_router("", _keep_operation_ids(imports.router))
router.add_router("", _keep_operation_ids(assignments.router))
router.add_router("", _keep_operation_ids(access.router))

__all__ = ["router"]
