"""Rule C001: a template line stays within the rule's `max_length` characters.

A python rule rather than a pattern: djLint drops a pattern's matches inside comments,
`{% blocktranslate %}` and `djlint:off` blocks, and a long line is as long there.
"""

from __future__ import annotations

from typing import Any


def run(
    rule: dict[str, Any],
    config: Any,
    html: str,
    filepath: str,
    line_ends: list[dict[str, int]],
    *args: Any,
    **kwargs: Any,
) -> list[dict[str, str]]:
    limit = int(rule["max_length"])
    return [
        {
            "code": rule["name"],
            "line": f"{number}:0",
            "match": line.strip()[:20],
            "message": f"{rule['message']} ({len(line)} > {limit})",
        }
        for number, line in enumerate(html.splitlines(), start=1)
        if len(line) > limit
    ]
