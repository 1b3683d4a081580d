"""Start signing passes with a new key; passes signed with the old ones stay valid."""

from typing import Any

from django.core.management.base import BaseCommand

from civicgate.passes import keys
from civicgate.passes.models import SigningKey


class Command(BaseCommand):
    help = "Rotate the pass-signing key. Gates fetch the new public key from /api/v1/gate/keys."

    def handle(self, *args: Any, **options: Any) -> None:
        new = keys.rotate(actor="manage.py rotate_pass_key")
        self.stdout.write(f"New pass-signing key {new.kid}; new passes are signed with it.")
        for old in SigningKey.objects.filter(signs=False, verify_until__gt=new.created_at):
            self.stdout.write(
                f"Key {old.kid} no longer signs; gates accept it until {old.verify_until:%Y-%m-%d %H:%M %Z}."
            )
