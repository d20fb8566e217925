"""English as our readers write it: day before month, 24-hour clock.

Django's ``en`` formats are American (``12/04/2026 3:05 p.m.`` for 4 December), which reads as
12 April to anyone in France or the rest of Europe, where the firms and their clients are.
These are British English dates with a 24-hour clock, like every other date in the product.
"""

from django.conf.locale.en_GB.formats import *  # noqa: F403
from django.conf.locale.en_GB.formats import DATE_INPUT_FORMATS as _GB_DATE_INPUTS

DATE_FORMAT = "j F Y"  # 4 December 2026
TIME_FORMAT = "H:i"  # 15:05
DATETIME_FORMAT = "j F Y, H:i"  # 4 December 2026, 15:05
SHORT_DATE_FORMAT = "d/m/Y"  # 04/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 04/12/2026 15:05
FIRST_DAY_OF_WEEK = 1  # Monday
# The browser's date picker sends ISO dates; typed dates are day first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", *_GB_DATE_INPUTS]
