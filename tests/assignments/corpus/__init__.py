"""The import corpus: what people really upload, good and bad, built as bytes.

Each ``Case`` is a file (name, bytes) for the connector app of ``tests/assignments/conftest.py``
(company columns: code_dossier*, email_achats*, email_ventes, mot_de_passe, frequence) and what
must happen: applied with these counts, or refused with these error codes (and rows). The
SIRETs are those of ``known_sirets()``: the companies the test creates for the firm;
``FOREIGN_SIRET`` belongs to another firm, ``NOBODY_SIRET`` to no one.
"""

import io
import zipfile
from dataclasses import dataclass, field

from tests.factories import valid_siret

BASE = 20_000_000
COMPANIES = 505
FOREIGN_SIRET = valid_siret(30_000_001)
NOBODY_SIRET = valid_siret(30_000_002)
HEADER = ["siret", "code_dossier", "email_achats", "email_ventes", "mot_de_passe", "frequence"]


def known_sirets() -> list[str]:
    return [valid_siret(BASE + i) for i in range(COMPANIES)]


def row(i: int, **overrides) -> list[str]:
    values = {
        "siret": known_sirets_cached()[i],
        "code_dossier": f"D{i:04d}",
        "email_achats": f"achats.{i}@gestivo.example",
        "email_ventes": f"ventes.{i}@gestivo.example",
        "mot_de_passe": f"pass-{i}",
        "frequence": "jour",
    }
    values.update(overrides)
    return [values[key] for key in HEADER]


_SIRETS: list[str] = []


def known_sirets_cached() -> list[str]:
    if not _SIRETS:
        _SIRETS.extend(known_sirets())
    return _SIRETS


def csv_text(rows, delimiter=";", newline="\r\n", header=HEADER) -> str:
    def cell(value: str) -> str:
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [delimiter.join(cell(v) for v in line) for line in ([header] if header else []) + rows]
    return newline.join(lines) + newline


def xlsx_bytes(rows, header=HEADER, *, blank_rows_before=0, numbers=False, sheets=None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Import"
    for _ in range(blank_rows_before):
        sheet.append([])
    if header:
        sheet.append(header)
    for line in rows:
        values = list(line)
        if numbers and values and values[0].isdigit():
            values[0] = int(values[0])
        sheet.append(values)
    for title in sheets or []:
        workbook.create_sheet(title).append(["not", "this", "one"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@dataclass
class Case:
    name: str
    filename: str
    content: bytes
    ok: bool
    counts: tuple[int, int, int] | None = None  # created, updated, unchanged
    codes: set[str] = field(default_factory=set)  # error codes that must all be reported
    rows: set[int] = field(default_factory=set)  # rows that must carry an error
    prepare: bytes | None = None  # a clean file applied first
    status: int = 422
    extra_columns: list[str] = field(default_factory=list)


def ok_rows(n: int, start: int = 0, **overrides) -> list[list[str]]:
    return [row(start + i, **overrides) for i in range(n)]


def cases() -> list[Case]:
    three = ok_rows(3)
    base_csv = csv_text(three).encode("utf-8-sig")
    c: list[Case] = []

    def good(name, filename, content, counts=(3, 0, 0), **kw):
        c.append(Case(name, filename, content, ok=True, counts=counts, status=200, **kw))

    def bad(name, filename, content, codes, rows=(), status=422, **kw):
        c.append(
            Case(
                name,
                filename,
                content,
                ok=False,
                codes=set(codes),
                rows=set(rows),
                status=status,
                **kw,
            )
        )

    # --- encodings, delimiters, line endings -----------------------------------------------------
    good("utf8_bom_semicolon_crlf", "modele.csv", base_csv)
    good("utf8_semicolon_lf", "a.csv", csv_text(three, newline="\n").encode())
    good("utf8_comma", "a.csv", csv_text(three, delimiter=",").encode())
    good("utf8_tab", "a.txt", csv_text(three, delimiter="\t").encode())
    good("utf16le_bom_tab", "unicode.txt", csv_text(three, delimiter="\t").encode("utf-16"))
    good("utf16be_bom_semicolon", "a.csv", b"\xfe\xff" + csv_text(three).encode("utf-16-be"))
    named = [["siret", "raison_sociale", *HEADER[1:]]] + [
        [r[0], "Société Générale Élan ; Cie", *r[1:]] for r in three
    ]
    good(
        "cp1252_with_accents",
        "excel-fr.csv",
        csv_text(named[1:], header=named[0]).encode("cp1252"),
        extra_columns=["raison_sociale"],
    )
    good("old_mac_cr", "a.csv", csv_text(three, newline="\r").encode())
    good("utf8_bom_comma_crlf", "a.csv", csv_text(three, delimiter=",").encode("utf-8-sig"))
    # --- headers, extra columns, cells ----------------------------------------------------------
    good(
        "header_case_spaces_accents",
        "a.csv",
        csv_text(
            three,
            header=[
                " SIRET ",
                "Code Dossier",
                "E-mail de collecte Achats",
                "EMAIL_VENTES",
                "Mot de passe du dossier",
                "Fréquence",
            ],
        ).encode(),
    )
    good(
        "extra_columns_named",
        "a.csv",
        csv_text(
            [[*r, "Client A", '=HYPERLINK("http://evil.example")'] for r in three],
            header=[*HEADER, "Nom", "Notes"],
        ).encode(),
        extra_columns=["Nom", "Notes"],
    )
    formatted = [
        [s, *r[1:]]
        for s, r in zip(
            [f"{x[:3]} {x[3:6]} {x[6:9]} {x[9:]}" for x in known_sirets_cached()[:1]]
            + [
                f"{known_sirets_cached()[1][:9]}.{known_sirets_cached()[1][9:]}",
                f"{known_sirets_cached()[2]}.0",
            ],
            three,
            strict=True,
        )
    ]
    good("siret_with_spaces_dots_float", "a.csv", csv_text(formatted).encode())
    good(
        "blank_lines_and_trailing_separators",
        "a.csv",
        (
            csv_text([three[0]]) + "\r\n;;;;;\r\n" + csv_text(three[1:], header=None) + ";;;;;\r\n"
        ).encode(),
    )
    quoted = [
        [*three[0][:4], 'mot;de"passe', "jour", 'ligne 1\nligne 2 ; "note"'],
        *[[*r, ""] for r in three[1:]],
    ]
    good(
        "quoted_cells_with_delimiters_and_newlines",
        "a.csv",
        csv_text(quoted, header=[*HEADER, "Notes"]).encode(),
        extra_columns=["Notes"],
    )
    good(
        "only_required_columns",
        "a.csv",
        csv_text([r[:3] for r in three], header=HEADER[:3]).encode(),
    )
    good(
        "surrounding_spaces_in_cells",
        "a.csv",
        csv_text([[f"  {v} " for v in r] for r in three]).encode(),
    )
    good("xlsx_text", "modele.xlsx", xlsx_bytes(three))
    good("xlsx_numbers", "a.xlsx", xlsx_bytes(three, numbers=True))
    good("xlsx_header_on_row_3", "a.xlsx", xlsx_bytes(three, blank_rows_before=2))
    good("xlsx_several_sheets", "a.xlsx", xlsx_bytes(three, sheets=["Notes"]))
    good("xlsx_named_csv", "a.csv", xlsx_bytes(three))
    good("exactly_500_rows", "a.csv", csv_text(ok_rows(500)).encode(), counts=(500, 0, 0))
    good("reimport_changes_nothing", "a.csv", base_csv, counts=(0, 0, 3), prepare=base_csv)
    good(
        "update_two_rows",
        "a.csv",
        csv_text([row(0, code_dossier="NOUVEAU"), row(1, frequence="semaine"), row(2)]).encode(),
        counts=(0, 2, 1),
        prepare=base_csv,
    )
    good(
        "formula_in_extra_column_ignored",
        "a.csv",
        csv_text([[*r, "=1+2"] for r in three], header=[*HEADER, "Commentaire"]).encode(),
        extra_columns=["Commentaire"],
    )
    # --- whole file refused ---------------------------------------------------------------------
    bad("empty", "a.csv", b"", {"empty_file"})
    bad("only_bom", "a.csv", b"\xef\xbb\xbf", {"empty_file"})
    bad("only_blank_lines", "a.csv", b"\r\n\r\n  \r\n", {"empty_file"})
    bad("only_separators", "a.csv", b";;;;\r\n;;;\r\n", {"no_header"})
    bad("header_only", "a.csv", csv_text([]).encode("utf-8-sig"), {"no_rows"})
    bad(
        "missing_siret_column",
        "a.csv",
        csv_text([r[1:] for r in three], header=HEADER[1:]).encode(),
        {"missing_siret_column"},
        rows={1},
    )
    bad(
        "missing_required_column",
        "a.csv",
        csv_text([r[:2] for r in three], header=HEADER[:2]).encode(),
        {"missing_column"},
        rows={1},
    )
    bad(
        "duplicate_column",
        "a.csv",
        csv_text([[*r, r[1]] for r in three], header=[*HEADER, "Code dossier"]).encode(),
        {"duplicate_column"},
    )
    bad("501_rows", "a.csv", csv_text(ok_rows(501)).encode(), {"too_many_rows"})
    big = csv_text(three) + ("x" * 1000 + "\r\n") * 2200
    bad("too_large", "big.csv", big.encode(), {"file_too_large"}, status=413)
    bad("pdf", "a.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", {"unsupported_file_type"})
    bad("png_named_csv", "a.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), {"unsupported_file_type"})
    bad("old_xls", "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), {"xls_not_supported"})
    bad("text_named_xlsx", "a.xlsx", b"siret;code\n1;2\n", {"invalid_xlsx"})
    bad("zip_not_xlsx", "a.zip", zip_bytes({"readme.txt": b"hello"}), {"unsupported_file_type"})
    bad("truncated_xlsx", "a.xlsx", xlsx_bytes(three)[:600], {"invalid_xlsx"})
    bad(
        "xlsx_bomb",
        "a.xlsx",
        zip_bytes({"xl/workbook.xml": b"<x/>", "xl/padding.bin": bytes(41 * 1024 * 1024)}),
        {"file_too_large"},
        status=413,
    )
    bad("utf16_without_bom", "a.csv", csv_text(three).encode("utf-16-le"), {"unreadable_encoding"})
    bad("binary_garbage", "a.csv", bytes(range(1, 32)) * 40, {"unsupported_file_type"})
    bad(
        "too_many_columns",
        "a.csv",
        csv_text(
            [r + ["x"] * 100 for r in three], header=HEADER + [f"c{i}" for i in range(100)]
        ).encode(),
        {"too_many_columns"},
    )
    # --- bad rows: every error reported, nothing applied ----------------------------------------
    sirets = known_sirets_cached()
    mixed = [
        row(0),  # 2 fine
        row(1, siret=sirets[1][:-1] + str((int(sirets[1][-1]) + 1) % 10)),  # 3 checksum
        row(2, siret="12345"),  # 4 wrong length
        row(3, siret="ABC12345678901"),  # 5 letters
        row(4, siret="7,32829E+13"),  # 6 scientific notation
        row(5, siret=""),  # 7 empty SIRET
        row(6, siret=NOBODY_SIRET),  # 8 nobody's
        row(7, siret=FOREIGN_SIRET),  # 9 another firm's
        row(0),  # 10 duplicate of row 2
        row(8, email_achats="pas-un-email"),  # 11 bad e-mail
        row(9, frequence="mois"),  # 12 bad choice
        row(10, code_dossier=""),  # 13 required value missing
        row(11, code_dossier="x" * 5000),  # 14 huge cell
        row(12, code_dossier="ligne\u0007bip"),  # 15 control character
    ]
    bad(
        "every_kind_of_bad_row",
        "a.csv",
        csv_text(mixed).encode("utf-8-sig"),
        {
            "siret_bad_checksum",
            "siret_wrong_length",
            "siret_not_digits",
            "siret_scientific_notation",
            "siret_missing",
            "siret_unknown",
            "siret_duplicate",
            "invalid_email",
            "invalid_choice",
            "required",
            "cell_too_long",
            "control",
        },
        rows=set(range(3, 16)),
    )
    bad(
        "unknown_same_message_for_foreign_and_nobody",
        "a.csv",
        csv_text([row(0, siret=FOREIGN_SIRET), row(1, siret=NOBODY_SIRET)]).encode(),
        {"siret_unknown"},
        rows={2, 3},
    )
    bad(
        "formula_payloads_in_siret",
        "a.csv",
        csv_text(
            [
                row(0, siret="=cmd|' /C calc'!A0"),
                row(1, siret="@SUM(1+1)*cmd|' /C calc'!A0"),
                row(2, siret="+33 1 23"),
                row(3, siret="-2+3"),
            ]
        ).encode(),
        {"siret_not_digits"},
        rows={2, 3, 4, 5},
    )
    bad(
        "huge_siret_cell",
        "a.csv",
        csv_text([row(0, siret="1" * 200_000)]).encode(),
        {"cell_too_long"},
        rows={2},
    )
    bad(
        "one_bad_row_among_500",
        "a.csv",
        csv_text([*ok_rows(250), row(250, email_achats="@"), *ok_rows(249, start=251)]).encode(),
        {"invalid_email"},
        rows={252},
    )
    bad(
        "xlsx_bad_rows",
        "a.xlsx",
        xlsx_bytes([row(0), row(1, siret="1.23E+13"), row(2, email_achats="faux")]),
        {"siret_scientific_notation", "invalid_email"},
        rows={3, 4},
    )
    bad(
        "xlsx_float_siret",
        "a.xlsx",
        xlsx_bytes([[7.3e13, *row(0)[1:]]]),
        {"siret_bad_checksum"},
        rows={2},
    )
    bad(
        "cp1252_bad_rows",
        "a.csv",
        csv_text([row(0, code_dossier="Élan"), row(1, email_achats="é@")]).encode("cp1252"),
        {"invalid_email"},
        rows={3},
    )
    bad(
        "error_does_not_apply_the_good_rows_after_a_clean_import",
        "a.csv",
        csv_text([row(0, code_dossier="CHANGE"), row(1, siret="1")]).encode(),
        {"siret_wrong_length"},
        rows={3},
        prepare=base_csv,
    )
    return c
