"""Reading the audit trail with the viewer's office scope applied."""

from typing import Any

from django.db.models import QuerySet

from civicgate.accounts.access import offices_for
from civicgate.audit.models import AuditRecord


def visible_records(user: Any) -> QuerySet[AuditRecord]:
    """Records this user may read.

    A user limited to some offices sees the records of those offices only; records that belong
    to no office (sign-ins, citizen verifications, system jobs) are for all-offices users.
    """
    records = AuditRecord.objects.all()
    if user.is_authenticated and user.all_offices:
        return records
    return records.filter(office_code__in=offices_for(user).values("code"))
