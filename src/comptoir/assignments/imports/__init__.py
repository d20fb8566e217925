"""Import company assignments from a CSV or XLSX file keyed by SIRET.

``read_table`` turns the bytes into rows (encodings, delimiters, XLSX), ``check_import``
validates every row against the firm's companies and the app's settings schema and says what
applying would do; ``services.assignment_import_apply`` applies a clean file in one
transaction. ``report`` makes the template and the error report.
"""

from comptoir.assignments.imports.reader import (
    MAX_BYTES,
    MAX_DATA_ROWS,
    ImportFileError,
    Table,
    read_table,
)
from comptoir.assignments.imports.report import (
    error_report_csv,
    safe_cell,
    template_columns,
    template_csv,
    template_filename,
)
from comptoir.assignments.imports.validate import ImportCheck, check_import, normalize_header

__all__ = [
    "MAX_BYTES",
    "MAX_DATA_ROWS",
    "ImportCheck",
    "ImportFileError",
    "Table",
    "check_import",
    "error_report_csv",
    "normalize_header",
    "read_table",
    "safe_cell",
    "template_columns",
    "template_csv",
    "template_filename",
]
