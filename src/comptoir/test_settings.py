"""Settings for the test suite: the environment's settings in ``test`` mode."""

import os

os.environ.setdefault("COMPTOIR_MODE", "test")

from comptoir.settings import *  # noqa: F403

# The suite stores files on disk (in temporary folders) even where a developer's shell has
# S3_BUCKET set; tests/documents/test_s3_storage.py exercises S3 against a local server.
STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}  # noqa: F405
