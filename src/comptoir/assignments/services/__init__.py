"""Writes of the assignments, one module per seam:

- ``assignment``: one company's assignment (give, change, take back);
- ``plan``: many companies with their settings — plan (no writes), then write in bulk;
- ``assign_all``: "Affecter à tous les clients", and companies created later;
- ``role_grants``: "Personnaliser le portail client" and the custom app's options;
- ``user_access``: the users of a company who see an app, chosen by hand;
- ``imports``: the CSV/XLSX import, reader → cells → companies → plan, in one pass.

The access rules themselves (which grant wins, building accesses, grants applied to a new
member or company) are in ``assignments.grants``. Every service takes the acting user, checks
it, owns its transaction and writes an audit event; the hooks (``apply_rules_to_new_company``,
``apply_role_grants_to_member``, ``revoke_member_accesses``) run inside the caller's.
"""

from comptoir.assignments.grants import (
    AccessChange,
    apply_role_grants_to_member,
    revoke_member_accesses,
)
from comptoir.assignments.services.assign_all import (
    AssignAllResult,
    apply_rules_to_new_company,
    assign_all,
    assign_all_rule_stop,
)
from comptoir.assignments.services.assignment import (
    UnassignResult,
    assignment_create,
    assignment_unassign,
    assignment_update,
)
from comptoir.assignments.services.imports import (
    ImportAlreadyApplied,
    ImportCheck,
    ImportOutcome,
    ImportRejected,
    ImportStale,
    ImportSummary,
    ImportTooLarge,
    PreviewRow,
    assignment_import,
    assignment_import_apply,
    assignment_import_store,
    check_file,
    check_import,
    preview_token,
    read_file,
    read_upload,
)
from comptoir.assignments.services.plan import (
    CREATED,
    UNCHANGED,
    UPDATED,
    CompanyRow,
    Entry,
    PlanError,
    Planned,
    UpsertResult,
    assignments_plan,
    assignments_upsert,
)
from comptoir.assignments.services.role_grants import (
    ALL,
    CHOSEN_COMPANIES_MAX,
    CustomAppOptionsResult,
    RoleGrantResult,
    apply_custom_app_options,
    role_grant_create,
    role_grant_stop,
    too_many_companies,
)
from comptoir.assignments.services.user_access import (
    user_access_grant,
    user_access_revoke,
    user_access_set,
)

__all__ = [
    "ALL",
    "CHOSEN_COMPANIES_MAX",
    "CREATED",
    "UNCHANGED",
    "UPDATED",
    "AccessChange",
    "AssignAllResult",
    "CompanyRow",
    "CustomAppOptionsResult",
    "Entry",
    "ImportAlreadyApplied",
    "ImportCheck",
    "ImportOutcome",
    "ImportRejected",
    "ImportStale",
    "ImportSummary",
    "ImportTooLarge",
    "PlanError",
    "Planned",
    "PreviewRow",
    "RoleGrantResult",
    "UnassignResult",
    "UpsertResult",
    "apply_custom_app_options",
    "apply_role_grants_to_member",
    "apply_rules_to_new_company",
    "assign_all",
    "assign_all_rule_stop",
    "assignment_create",
    "assignment_import",
    "assignment_import_apply",
    "assignment_import_store",
    "assignment_unassign",
    "assignment_update",
    "assignments_plan",
    "assignments_upsert",
    "check_file",
    "check_import",
    "preview_token",
    "read_file",
    "read_upload",
    "revoke_member_accesses",
    "role_grant_create",
    "role_grant_stop",
    "too_many_companies",
    "user_access_grant",
    "user_access_revoke",
    "user_access_set",
]
