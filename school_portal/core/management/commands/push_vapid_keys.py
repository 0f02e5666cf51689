"""``manage.py push_vapid_keys``: make the portal's VAPID key pair for Web Push (docs/operations.md)."""

from typing import Any

from django.core.management.base import BaseCommand

from school_portal.core.push import vapid_keys_generate


class Command(BaseCommand):
    help = "Print a new VAPID key pair for PUSH_VAPID_PRIVATE_KEY (keep it secret) and the public key browsers get"

    def handle(self, **options: Any) -> None:
        private, public = vapid_keys_generate()
        self.stdout.write(f"PUSH_VAPID_PRIVATE_KEY={private}\n")
        self.stdout.write(f"# public key (applicationServerKey, shown to browsers by the portal): {public}\n")
