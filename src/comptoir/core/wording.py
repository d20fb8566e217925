"""Small pieces of wording that a translation alone cannot get right.

French elides "de" before a vowel or a mute h: "les applications d'Emma Petit", but "de Pierre
Martin". A message cannot know the name it will hold, so the name comes with its preposition:
``of_name(name)`` is "of Emma Petit" in English, "d'Emma Petit" or "de Pierre Martin" in French,
and the message says ``Applications %(of_user)s`` (English) / ``Applications %(of_user)s``
(French) instead of "Applications of %(user)s" / "Applications de %(user)s".
"""

from django.utils.translation import get_language

# Letters before which French elides "de" (a mute h included: "d'Hugo", "d'Hélène").
ELIDING = frozenset("aeiouyhàâäéèêëîïôöùûüœæAEIOUYHÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ")


def french_de(name: object) -> str:
    """ "de Pierre Martin", "d'Emma Petit" (with the typographic apostrophe)."""
    text = str(name or "").strip()
    return f"d’{text}" if text[:1] in ELIDING else f"de {text}"  # noqa: RUF001


def of_name(name: object, language: str | None = None) -> str:
    """The name with the language's "of" before it (elided in French where it must be)."""
    language = (language or get_language() or "en").lower()
    if language.startswith("fr"):
        return french_de(name)
    return f"of {str(name or '').strip()}"


def from_name(name: object, language: str | None = None) -> str:
    """The name with the language's "from" before it: "from Emma Petit", "d'Emma Petit"."""
    language = (language or get_language() or "en").lower()
    if language.startswith("fr"):
        return french_de(name)
    return f"from {str(name or '').strip()}"
