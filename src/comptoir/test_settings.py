"""Settings for the test suite: the environment's settings in ``test`` mode."""

import os

os.environ.setdefault("COMPTOIR_MODE", "test")

from comptoir.settings import *  # noqa: F403
