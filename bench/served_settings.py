"""Settings of the bench's own gunicorn (``bench.served``): Comptoir's, plus the floor view.

Only the bench's server loads this module, so ``/bench/floor/`` exists nowhere else.
"""

from comptoir.settings import *  # noqa: F403

ROOT_URLCONF = "bench.served_urls"
