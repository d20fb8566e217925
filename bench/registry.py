"""The scenario registry. A scenario times one Comptoir path against a raw-SQL baseline.

To add one: create ``bench/scenarios/<name>.py`` with a subclass of :class:`Scenario`
decorated with ``@register``, and import the module in ``bench/scenarios/__init__.py``.
``setup(size)`` builds the data for one size (``bench.generate`` helps) and may keep state
on ``self``; ``run()`` takes the Comptoir path once and raises :class:`ScenarioError` if the
answer is wrong; ``baseline()`` does the equivalent reads in raw SQL with
``django.db.connection.cursor()``. Keep ``constant_queries = True`` for anything listed or
paged: the run fails when the query count differs between sizes.
"""

from typing import ClassVar


class ScenarioError(Exception):
    """The scenario cannot run or its Comptoir path answered wrongly."""


class Scenario:
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    sizes: ClassVar[tuple[int, ...]] = (1_000, 10_000)
    constant_queries: ClassVar[bool] = True

    def setup(self, size: int) -> None:
        raise NotImplementedError

    def run(self) -> None:
        raise NotImplementedError

    def baseline(self) -> None:
        raise NotImplementedError


SCENARIOS: dict[str, type[Scenario]] = {}


def register(cls: type[Scenario]) -> type[Scenario]:
    if not cls.name or cls.name in SCENARIOS:
        raise ValueError(f"A scenario needs a unique name: {cls.__name__}")
    SCENARIOS[cls.name] = cls
    return cls
