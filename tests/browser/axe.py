"""axe-core in a Playwright page: which accessibility rules a page breaks.

axe-core is vendored (``tests/browser/vendor/axe-core/``, the npm package's own file). It is
evaluated in the page through the browser's debugging protocol, which the page's
Content-Security-Policy does not apply to: the page under test keeps its real policy.
"""

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_FILE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

# What the measure counts: axe's two worst impacts.
BLOCKING = ("critical", "serious")


@cache
def axe_source() -> str:
    data = AXE_FILE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == AXE_SHA256, f"{AXE_FILE} is not the vendored axe-core {AXE_VERSION}"
    return data.decode()


@dataclass(frozen=True)
class Violation:
    page: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    html: str

    def __str__(self) -> str:
        more = f" (+{len(self.targets) - 3} more)" if len(self.targets) > 3 else ""
        return (
            f"{self.page}: [{self.impact}] {self.rule}: {self.help}\n"
            f"      at {', '.join(self.targets[:3])}{more}\n      {self.html[:200]}"
        )


def axe_violations(page, label: str) -> list[Violation]:
    """Run axe-core's default rules on the page as it is now; every violation, worst first."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    version = page.evaluate("() => window.axe.version")
    assert version == AXE_VERSION, version
    results = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                rule: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
                html: v.nodes.length ? v.nodes[0].html : '',
            }));
        }"""
    )
    order = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}
    found = [
        Violation(
            page=label,
            rule=r["rule"],
            impact=r["impact"] or "minor",
            help=r["help"],
            targets=tuple(r["targets"]),
            html=r["html"],
        )
        for r in results
    ]
    return sorted(found, key=lambda v: (order.get(v.impact, 9), v.rule))


def node_count(violations: list[Violation]) -> int:
    """How many elements break a rule (axe's "serious: 133" counts elements, not rules)."""
    return sum(len(v.targets) for v in violations)
