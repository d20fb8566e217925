"""Writes of the assignments: companies (one by one, in bulk, all), users, role rules.

Every service takes the acting user, checks it, owns its transaction and writes an audit
event. The hooks (``apply_rules_to_new_company``, ``apply_role_grants_to_member``,
``revoke_member_accesses``) run inside the caller's transaction.
"""

from comptoir.assignments.services.access import (
    ALL,
    apply_custom_app_options,
    apply_role_grants_to_member,
    revoke_member_accesses,
    role_grant_create,
    role_grant_stop,
    user_access_grant,
    user_access_revoke,
    user_access_set,
)
from comptoir.assignments.services.companies import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Entry,
    Planned,
    UpsertResult,
    assignment_create,
    assignment_unassign,
    assignment_update,
    assignments_plan,
    assignments_upsert,
)
from comptoir.assignments.services.imports import (
    ImportAlreadyApplied,
    ImportRejected,
    ImportStale,
    ImportTooLarge,
    assignment_import_apply,
    assignment_import_store,
    check_file,
    preview_token,
    read_upload,
)
from comptoir.assignments.services.rules import (
    apply_rules_to_new_company,
    assign_all,
    assign_all_rule_stop,
)

__all__ = [
    "ALL",
    "CREATED",
    "UNCHANGED",
    "UPDATED",
    "Entry",
    "ImportAlreadyApplied",
    "ImportRejected",
    "ImportStale",
    "ImportTooLarge",
    "Planned",
    "UpsertResult",
    "apply_custom_app_options",
    "apply_role_grants_to_member",
    "apply_rules_to_new_company",
    "assign_all",
    "assign_all_rule_stop",
    "assignment_create",
    "assignment_import_apply",
    "assignment_import_store",
    "assignment_unassign",
    "assignment_update",
    "assignments_plan",
    "assignments_upsert",
    "check_file",
    "preview_token",
    "read_upload",
    "revoke_member_accesses",
    "role_grant_create",
    "role_grant_stop",
    "user_access_grant",
    "user_access_revoke",
    "user_access_set",
]
