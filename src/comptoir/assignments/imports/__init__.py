"""Read and check the cells of an import file (CSV or XLSX keyed by SIRET); no database.

``read_table`` turns the bytes into rows (encodings, delimiters, XLSX), ``check_cells``
checks the header, the SIRETs and the setting cells, every problem a ``RowError``. The
service ``services.imports`` composes them with the companies and the plan, in one pass;
``report`` makes the template and the error report.
"""

from comptoir.assignments.imports.errors import RowError
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
from comptoir.assignments.imports.validate import Cells, check_cells, normalize_header

__all__ = [
    "MAX_BYTES",
    "MAX_DATA_ROWS",
    "Cells",
    "ImportFileError",
    "RowError",
    "Table",
    "check_cells",
    "error_report_csv",
    "normalize_header",
    "read_table",
    "safe_cell",
    "template_columns",
    "template_csv",
    "template_filename",
]
