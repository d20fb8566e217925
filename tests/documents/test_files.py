"""Safe file names and content types sniffed from the bytes."""

import io
import zipfile

import pytest

from comptoir.documents.files import NAME_MAX, inspect_file, sanitize_filename, sniff_content_type


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("facture.pdf", "facture.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\paul\\Facture mars.pdf", "Facture mars.pdf"),
        ("fac\ntu\rre\x00\x1b.pdf", "fac tu re.pdf"),
        ("facture\u202efdp.exe", "facturefdp.exe"),  # right-to-left override removed
        ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
        ("  ..cachée.pdf. ", "cachée.pdf"),
        ("", "document"),
        ("...", "document"),
        ("/", "document"),
        ("  reçu   de\tcaisse.jpg", "reçu de caisse.jpg"),
        ("e\u0301te\u0301.pdf", "été.pdf"),  # NFC
    ],
)
def test_sanitize_filename(raw, expected):
    assert sanitize_filename(raw) == expected


def test_long_names_are_capped_and_keep_their_extension():
    name = sanitize_filename("x" * 500 + ".pdf")
    assert len(name) == NAME_MAX
    assert name.endswith("x.pdf")


def _zip(entries: dict[str, bytes], first: tuple[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(first[0], first[1])
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


OOXML = {"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>"}
MINIMAL_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
CASES = [
    (b"%PDF-1.4\n...", "scan.bin", "application/pdf"),
    (MINIMAL_PNG, "photo", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "ticket.png", "image/jpeg"),
    (b"GIF89a\x01\x00\x01\x00", "a.gif", "image/gif"),
    (b"GIF87a\x01\x00\x01\x00", "a", "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "a.jpg", "image/webp"),
    (b"II*\x00\x08\x00\x00\x00", "scan.tif", "image/tiff"),
    (b"MM\x00*\x00\x00\x00\x08", "scan", "image/tiff"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "IMG_0001.HEIC", "image/heic"),
    (
        _zip({**OOXML, "word/document.xml": b"<w/>"}),
        "contrat.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        _zip({**OOXML, "xl/workbook.xml": b"<x/>"}),
        "grand-livre.zip",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        _zip({**OOXML, "ppt/presentation.xml": b"<p/>"}),
        "deck",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    (
        _zip(
            {"content.xml": b"<o/>"}, first=("mimetype", b"application/vnd.oasis.opendocument.text")
        ),
        "lettre.odt",
        "application/vnd.oasis.opendocument.text",
    ),
    (_zip({"a.txt": b"hello"}), "archive.docx", "application/zip"),
    (b"PK\x03\x04broken", "broken.xlsx", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "ancien.xls", "application/vnd.ms-excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "mystere", "application/octet-stream"),
    (b"date;montant\n2026-01-02;12,50\n", "releve.csv", "text/csv"),
    ("date;montant\n2026-01-02;12,50 €\n".encode("cp1252"), "releve.csv", "text/csv"),
    (b"\xef\xbb\xbfdate;montant\n", "releve.csv", "text/csv"),
    (b"Bonjour\n", "note.txt", "text/plain"),
    (b'<?xml version="1.0"?><Invoice/>', "facture-ubl", "application/xml"),
    # Never a type a browser would run, whatever the name says.
    (b"<html><script>alert(1)</script></html>", "page.html", "text/plain"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "logo.svg", "text/plain"),
    # A name claiming a sniffed type without its bytes is not believed.
    (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",
        "facture.pdf",
        "application/octet-stream",
    ),
    (b"\x00\x01\x02\x03\x04", "photo.jpg", "application/octet-stream"),
    # Types we do not sniff fall back to the extension.
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video.mp4", "video/mp4"),
    (b"\x00\x01\x02\x03", "inconnu.bin", "application/octet-stream"),
]


@pytest.mark.parametrize(("data", "name", "expected"), CASES)
def test_sniff_content_type(data, name, expected):
    assert sniff_content_type(io.BytesIO(data), name) == expected


def test_inspect_file_counts_bytes_and_hashes_them():
    import hashlib

    data = b"%PDF-1.7\n" + bytes(range(256)) * 1000
    facts = inspect_file(io.BytesIO(data), "gros.pdf")
    assert facts.size == len(data)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.content_type == "application/pdf"
