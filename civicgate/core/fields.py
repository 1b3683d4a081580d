"""Model fields that keep personal data encrypted in the database."""

from typing import Any

from django.db import models

from civicgate.core.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token; reads give back the plain text.

    It cannot be filtered on: pair it with a blind-index column for look-ups.
    """

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt_text(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return decrypt_text(value)
