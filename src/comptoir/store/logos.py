"""App logos: uploaded raster images (checked and re-encoded) and the catalogue's SVG files.

Uploads are never SVG (an SVG can carry scripts): PNG, JPEG or WebP up to 512 KB, opened with
Pillow, reduced to 256 px and re-encoded to PNG, so what we serve is always an image we wrote.
Catalogue SVGs are our own files; the loader still refuses anything active in them.
"""

import hashlib
import io
import re

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from comptoir.core.errors import TooLarge, ValidationFailed

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_PIXELS = 256
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}
SVG_MAX_BYTES = 20 * 1024
_SVG_FORBIDDEN = re.compile(
    r"<\s*(script|foreignobject|iframe|object|embed|image|use|a)\b|\bon[a-z]+\s*=|javascript:|"
    r"data:|href\s*=|<!entity|<!doctype",
    re.IGNORECASE,
)


def logo_version(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:12]


def clean_uploaded_logo(upload, *, field: str = "logo") -> ContentFile:
    """The upload as a checked PNG (ContentFile named ``<hash>.png``), or a clear error."""
    raw = upload.read(LOGO_MAX_BYTES + 1)  # never more than one byte past the limit
    if len(raw) > LOGO_MAX_BYTES:
        raise TooLarge(
            _("The logo is too large: 512 KB at most. Export a smaller PNG, JPEG or WebP image."),
            code="logo_too_large",
            field=field,
        )
    invalid = ValidationFailed(
        _("The logo must be a PNG, JPEG or WebP image (SVG is not accepted)."),
        code="logo_invalid",
        field=field,
    )
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in LOGO_FORMATS:
                raise invalid
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            if image.width * image.height > 40_000_000:
                raise invalid
            image.load()
            image = image.convert("RGBA")
            image.thumbnail((LOGO_MAX_PIXELS, LOGO_MAX_PIXELS))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise invalid from None
    content = out.getvalue()
    return ContentFile(content, name=f"{logo_version(content)}.png")


def check_catalog_svg(text: str, *, where: str) -> str:
    """A catalogue SVG, refused if large or active (scripts, links, external content)."""
    if len(text.encode()) > SVG_MAX_BYTES:
        raise ValueError(f"{where}: the SVG logo is larger than {SVG_MAX_BYTES // 1024} KB.")
    stripped = text.lstrip()
    if stripped.startswith("<?xml"):
        stripped = stripped[stripped.find("?>") + 2 :].lstrip()
    if not stripped.startswith("<svg"):
        raise ValueError(f"{where}: the logo is not an SVG document.")
    match = _SVG_FORBIDDEN.search(text)
    if match:
        raise ValueError(f"{where}: the SVG logo contains {match.group(0)!r}, which is refused.")
    return text.strip()
