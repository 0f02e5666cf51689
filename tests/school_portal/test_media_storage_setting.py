"""Media on shared storage: the backend and its options come from the environment; the local disk by default;
a mistyped setting stops the start with a message that says what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import django; django.setup(); from django.core.files.storage import storages; s = storages['default']; "
    "print(type(s).__module__ + '.' + type(s).__name__, getattr(s, 'base_url', ''))"
)


def start(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MEDIA_STORAGE")},
        "DJANGO_SETTINGS_MODULE": "school_portal.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "localhost",
        "PORTAL_VAR_DIR": str(tmp_path),
        **extra,
    }
    return subprocess.run([sys.executable, "-c", SHOW], env=env, cwd=ROOT, capture_output=True, text=True, check=False)


def test_media_is_on_the_local_disk_unless_the_environment_names_a_storage(tmp_path):
    result = start(tmp_path)

    assert result.stdout.split()[0] == "django.core.files.storage.filesystem.FileSystemStorage"


def test_a_shared_storage_and_its_options_come_from_the_environment(tmp_path):
    result = start(
        tmp_path,
        MEDIA_STORAGE_BACKEND="django.core.files.storage.InMemoryStorage",
        MEDIA_STORAGE_OPTIONS='{"base_url": "https://media.city.example/"}',
    )

    assert result.stdout.split() == ["django.core.files.storage.memory.InMemoryStorage", "https://media.city.example/"]


def test_options_that_are_not_a_json_object_stop_the_start_and_say_why(tmp_path):
    broken = start(tmp_path, MEDIA_STORAGE_OPTIONS="{bucket_name: portal}")
    not_an_object = start(tmp_path, MEDIA_STORAGE_OPTIONS='["portal"]')

    assert broken.returncode and "MEDIA_STORAGE_OPTIONS is not JSON" in broken.stderr
    assert not_an_object.returncode and "MEDIA_STORAGE_OPTIONS must be a JSON object" in not_an_object.stderr
