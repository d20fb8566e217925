"""Pages of the assignments: an app's clients, import and client portal (installation.py);
a client's apps and its users' access (company.py); a client's users, their roles and the apps
each sees (members.py)."""

from comptoir.assignments.views.company import (
    company_apps,
    company_assignment,
    company_assignment_remove,
    company_assignment_toggle,
    company_user_apps,
    company_users,
    firm_user_apps,
)
from comptoir.assignments.views.installation import (
    add_companies,
    assign_all,
    assign_all_stop,
    import_apply,
    import_errors,
    import_preview,
    import_template,
    import_upload,
    installation_clients,
    portal,
    portal_grant_stop,
)

__all__ = [
    "add_companies",
    "assign_all",
    "assign_all_stop",
    "company_apps",
    "company_assignment",
    "company_assignment_remove",
    "company_assignment_toggle",
    "company_user_apps",
    "company_users",
    "firm_user_apps",
    "import_apply",
    "import_errors",
    "import_preview",
    "import_template",
    "import_upload",
    "installation_clients",
    "portal",
    "portal_grant_stop",
]
