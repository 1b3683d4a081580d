"""Looking up property-tax dues, building plans and advertisement permissions by number.

Anyone with the number sees the status (what is due and by when; where an application stands).
Personal details (owner, premises, receipts, the history's notes) are shown only when the
citizen asking is the verified owner's mobile number, and each such look is audited.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.accounts.models import Citizen
from civicgate.audit.chain import record
from civicgate.core.crypto import blind_index
from civicgate.core.phone import mask_mobile, normalize_mobile
from civicgate.services.models import (
    AdvertisementPermission,
    Assessment,
    PlanApplication,
)


def payment_url() -> str:
    """KMC's payment portal (settings.KMC_PAYMENT_URL): the one place the setting is read."""
    return str(settings.KMC_PAYMENT_URL)


def clean_number(raw: str) -> str:
    return "".join((raw or "").split()).upper()[:30]


Asker = Citizen | str | None


def _index_of(citizen: Asker) -> str:
    """The blind index of the asker's verified mobile: a Citizen, or a number the caller verified."""
    if citizen is None:
        return ""
    if isinstance(citizen, Citizen):
        return citizen.mobile_index
    try:
        return blind_index(normalize_mobile(citizen), "mobile")
    except ValidationError:
        return ""


def _owns(citizen: Asker, index: str) -> bool:
    return bool(index) and _index_of(citizen) == index


def _audit_view(action: str, citizen: Asker, obj: Model, request: Any) -> None:
    if isinstance(citizen, Citizen):
        actor: Any = citizen
    else:
        actor = f"mobile {mask_mobile(normalize_mobile(str(citizen)))}"
    with transaction.atomic():
        record(action, actor=actor, obj=obj, request=request)


@dataclass(frozen=True)
class QuarterDue:
    period: str
    amount: Decimal
    due_date: date
    overdue: bool


@dataclass(frozen=True)
class Receipt:
    receipt_no: str
    paid_on: date
    amount: Decimal
    period: str


@dataclass
class DuesResult:
    assessee_no: str
    ward: int
    total_due: Decimal
    arrears: Decimal
    next_due_date: date | None
    payment_url: str
    is_owner: bool
    quarters: list[QuarterDue] = field(default_factory=list)
    owner_name: str = ""
    premises: str = ""
    annual_valuation: Decimal | None = None
    receipts: list[Receipt] = field(default_factory=list)


def property_tax_dues(
    assessee_no: str, citizen: Asker = None, *, request: Any = None
) -> DuesResult | None:
    """What is due on an assessment, by when, and where to pay; None for an unknown number."""
    assessment = Assessment.objects.filter(assessee_no=clean_number(assessee_no)).first()
    if assessment is None:
        return None
    today = timezone.localdate()
    dues = [d for d in assessment.dues.all() if d.amount > 0]
    quarters = [QuarterDue(str(d), d.amount, d.due_date, d.due_date < today) for d in dues]
    total = assessment.arrears + sum((d.amount for d in dues), Decimal("0"))
    upcoming = [d.due_date for d in dues]
    result = DuesResult(
        assessee_no=assessment.assessee_no,
        ward=assessment.ward,
        total_due=total,
        arrears=assessment.arrears,
        next_due_date=min(upcoming) if upcoming else None,
        payment_url=payment_url(),
        is_owner=_owns(citizen, assessment.owner_mobile_index),
        quarters=quarters,
    )
    if result.is_owner:
        result.owner_name = assessment.owner_name
        result.premises = assessment.premises
        result.annual_valuation = assessment.annual_valuation
        result.receipts = [
            Receipt(p.receipt_no, p.paid_on, p.amount, p.period) for p in assessment.payments.all()
        ]
        _audit_view("services.assessment_viewed", citizen, assessment, request)
    return result


@dataclass(frozen=True)
class HistoryStep:
    status: str
    label: str
    at: datetime
    note: str


@dataclass
class StatusResult:
    number: str
    kind: str
    status: str
    status_label: str
    since: datetime
    ward: int
    is_owner: bool
    history: list[HistoryStep] = field(default_factory=list)
    name: str = ""
    place: str = ""
    valid_until: date | None = None


def _steps(record_: Any, labels: Any, with_notes: bool) -> list[HistoryStep]:
    return [
        HistoryStep(
            entry.status,
            str(labels(entry.status).label) if entry.status in labels.values else entry.status,
            entry.at,
            entry.note if with_notes else "",
        )
        for entry in record_.history.all()
    ]


def plan_status(number: str, citizen: Asker = None, *, request: Any = None) -> StatusResult | None:
    plan = PlanApplication.objects.filter(number=clean_number(number)).first()
    if plan is None:
        return None
    owner = _owns(citizen, plan.applicant_mobile_index)
    result = StatusResult(
        number=plan.number,
        kind=_("Building plan application"),
        status=plan.status,
        status_label=str(PlanApplication.Status(plan.status).label),
        since=plan.status_changed_at,
        ward=plan.ward,
        is_owner=owner,
        history=_steps(plan, PlanApplication.Status, owner),
    )
    if owner:
        result.name, result.place = plan.applicant_name, plan.premises
        _audit_view("services.plan_viewed", citizen, plan, request)
    return result


def permission_status(
    number: str, citizen: Asker = None, *, request: Any = None
) -> StatusResult | None:
    permit = AdvertisementPermission.objects.filter(number=clean_number(number)).first()
    if permit is None:
        return None
    owner = _owns(citizen, permit.holder_mobile_index)
    result = StatusResult(
        number=permit.number,
        kind=str(AdvertisementPermission.Kind(permit.kind).label),
        status=permit.status,
        status_label=str(AdvertisementPermission.Status(permit.status).label),
        since=permit.status_changed_at,
        ward=permit.ward,
        is_owner=owner,
        history=_steps(permit, AdvertisementPermission.Status, owner),
        valid_until=permit.valid_until,
    )
    if owner:
        result.name, result.place = permit.holder_name, permit.site
        _audit_view("services.permission_viewed", citizen, permit, request)
    return result
