"""Reading settings from the environment, with errors that name the variable.

Imported by settings.py and by the gunicorn configuration, before Django is set up: plain
Python only. A bad value raises ``ImproperlyConfigured`` with one line naming the variable,
what it expects and what it got (``comptoir`` prints it without a traceback).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def env_str(name: str, default: str = "") -> str:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be on or off (1/0, true/false, yes/no), not {_shown(value)}."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    unit: str = "",
) -> int:
    """A whole number, within bounds when given; ``unit`` says what it counts (bytes...)."""
    value = _raw(name)
    if value is None:
        return default
    what = f"a whole number of {unit}" if unit else "a whole number"
    if minimum is not None and maximum is not None:
        what += f" from {minimum} to {maximum}"
    elif minimum is not None:
        what += f" of at least {minimum}"
    elif maximum is not None:
        what += f" of at most {maximum}"
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, not {_shown(value)}.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name} must be {what}, not {number}.")
    return number


def env_float(name: str, default: float, *, minimum: float | None = None, unit: str = "") -> float:
    value = _raw(name)
    if value is None:
        return default
    what = f"a number of {unit}" if unit else "a number"
    if minimum is not None:
        what += f" of at least {minimum:g}"
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, not {_shown(value)}.") from None
    if number != number or (minimum is not None and number < minimum):  # NaN or too small
        raise ImproperlyConfigured(f"{name} must be {what}, not {value}.")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() not in choices:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(choices)}, not {_shown(value)}."
        )
    return value.lower()


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_admins(name: str = "ADMINS") -> list[tuple[str, str]]:
    """``"Jeanne Martin <jeanne@example.com>, ops@example.com"`` → [(name, address), ...]."""
    from email.utils import getaddresses

    value = _raw(name)
    if value is None:
        return []
    admins = []
    for display, address in getaddresses([value]):
        if "@" not in address or " " in address:
            raise ImproperlyConfigured(
                f"{name} must list e-mail addresses, e.g. 'Jeanne Martin <jeanne@example.com>, "
                f"ops@example.com', not {_shown(value)}."
            )
        admins.append((display or address, address))
    return admins


def env_networks(name: str) -> list[str]:
    """Comma-separated addresses or networks (``10.0.0.0/8, 127.0.0.1, ::1``), checked."""
    import ipaddress

    networks = []
    for item in env_list(name):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks (10.0.0.0/8, 127.0.0.1), "
                f"not {_shown(item)}."
            ) from None
    return networks
