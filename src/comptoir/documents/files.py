"""What we learn from an uploaded file before keeping it: a safe name, size, SHA-256, type.

The content type comes from the file's first bytes (magic numbers); the extension is used
only when the bytes say nothing specific, and the client's Content-Type header never decides.
Types a browser would run (HTML, SVG, JavaScript...) are never returned: downloads are
attachments anyway, but a stored type travels to partner apps too.
"""

import hashlib
import mimetypes
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

NAME_MAX = 150
DEFAULT_NAME = "document"
_FORBIDDEN_CHARS = re.compile(r'[<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")

OCTET_STREAM = "application/octet-stream"

# Types we never label a file with, whatever its extension says.
_ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "text/xml",
}

_OLE_TYPES = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".msg": "application/vnd.ms-outlook",
}

_TEXT_TYPES = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".json": "application/json",
    ".eml": "message/rfc822",
}

_OOXML = (
    ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"heif"}


def sanitize_filename(name: str | None) -> str:
    """The last path part, without control or format characters, at most NAME_MAX long."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    # Cc: control characters (newlines, NUL...); Cf: format characters such as U+202E,
    # the right-to-left override that makes "facture\u202efdp.exe" look like a PDF.
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch) not in {"Cc", "Cf"}
    )
    name = _FORBIDDEN_CHARS.sub("_", name)
    name = _SPACES.sub(" ", name).strip(" .")
    if not name:
        return DEFAULT_NAME
    if len(name) > NAME_MAX:
        path = PurePosixPath(name)
        suffix = path.suffix if len(path.suffix) <= 16 else ""
        name = name[: NAME_MAX - len(suffix)].rstrip(" .") + suffix
    return name


def extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def _zip_type(stream: IO[bytes], name: str) -> str:
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared
            if "[Content_Types].xml" in names:
                for prefix, content_type in _OOXML:
                    if any(entry.startswith(prefix) for entry in names):
                        return content_type
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        pass
    return "application/zip"


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 3:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls <= len(head) // 100


# Types recognised by their bytes: a name claiming one of them without the bytes is not believed.
_SNIFFED_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/heic",
    "application/zip",
    *_OLE_TYPES.values(),
    *(content_type for _prefix, content_type in _OOXML),
}


def _from_extension(name: str) -> str:
    guessed, _encoding = mimetypes.guess_type(f"x{extension(name)}", strict=False)
    if (
        not guessed
        or guessed in _ACTIVE_TYPES
        or guessed in _SNIFFED_TYPES
        or guessed.startswith(("text/", "application/vnd.oasis.opendocument."))
    ):
        return OCTET_STREAM
    return guessed


def sniff_content_type(stream: IO[bytes], name: str) -> str:
    """The file's type from its magic numbers, else from its name's extension."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    ext = extension(name)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"PK\x03\x04"):
        content_type = _zip_type(stream, name)
        stream.seek(0)
        return content_type
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _OLE_TYPES.get(ext, OCTET_STREAM)
    if _looks_like_text(head):
        if ext in _TEXT_TYPES:
            return _TEXT_TYPES[ext]
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml"):
            return "application/xml"
        return "text/plain"
    return _from_extension(name)


@dataclass(frozen=True)
class FileFacts:
    size: int
    sha256: str
    content_type: str


def inspect_file(file, name: str) -> FileFacts:
    """Size counted and SHA-256 computed over the actual bytes, and the sniffed type."""
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        digest.update(chunk)
        size += len(chunk)
    content_type = sniff_content_type(file, name)
    file.seek(0)
    return FileFacts(size=size, sha256=digest.hexdigest(), content_type=content_type)
