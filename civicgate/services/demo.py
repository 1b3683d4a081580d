"""Demo data for the services screens on top of seed_demo: department staff logins, property-tax
assessments with dues and receipts, building plans, hoarding permissions and requests in every
state (one overdue and escalated to the Water Supply head). Idempotent."""

import base64
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from PIL import Image

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.core.crypto import blind_index
from civicgate.org.demo import DEMO_PASSWORD
from civicgate.org.models import Department, Employee, Office
from civicgate.services import actions, catalogue
from civicgate.services.escalation import escalate_overdue
from civicgate.services.heads import department_head
from civicgate.services.importing import quarter_due_date
from civicgate.services.models import (
    AdvertisementPermission,
    Assessment,
    AssessmentDue,
    AssessmentPayment,
    PlanApplication,
    ServiceRequest,
    StatusEntry,
)

CITIZEN = "+919830100001"  # the first demo visitor of seed_demo_passes: owner of some records
OTHER = "+919830100002"
STAFF = [
    ("demo_water", "WS"),
    ("demo_assessment", "AC"),
    ("demo_building", "BLD"),
    ("demo_advert", "ADV"),
]


class NotSeeded(Exception):
    pass


@dataclass
class Summary:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n


def _photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


@transaction.atomic
def seed() -> Summary:
    summary = Summary()
    if (
        not Department.objects.filter(code="WS").exists()
        or not Office.objects.filter(code="HQ").exists()
    ):
        raise NotSeeded("Run seed_demo first.")
    from django.apps import apps

    catalogue.load(apps)
    users = _staff(summary)
    _assessments(summary)
    _plans(summary)
    _permissions(summary)
    _requests(users, summary)
    return summary


def _staff(summary: Summary) -> dict[str, User]:
    group = Group.objects.get(name=Role.DEPARTMENT_STAFF)
    offices = list(Office.objects.all())
    users: dict[str, User] = {}
    taken = set(User.objects.exclude(employee=None).values_list("employee_id", flat=True))
    for username, code in STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            department = Department.objects.get(code=code)
            head = department_head(department)
            employee = (
                Employee.objects.filter(department=department, active=True)
                .exclude(pk__in=taken | ({head.pk} if head else set()))
                .order_by("staff_number")
                .first()
            )
            first, _sep, last = employee.name.partition(" ") if employee else ("Demo", "", "")
            user = User.objects.create(
                username=username,
                employee=employee,
                first_name=first,
                last_name=last,
                password=make_password(DEMO_PASSWORD),
            )
            user.offices.set(offices)
            summary.count("department staff logins")
        user.groups.add(group)
        users[code] = user
    # The Water Supply head signs in as demo_official: give them the escalations screen.
    official = User.objects.filter(username="demo_official").first()
    if official is not None:
        official.groups.add(group)
        if not official.offices.exists():
            official.offices.set(offices)
    return users


def _assessments(summary: Summary) -> None:
    year = (
        timezone.localdate().year
        if timezone.localdate().month >= 4
        else timezone.localdate().year - 1
    )
    owners = [
        ("110010100011", "Anirban Mukherjee", CITIZEN, "12, Lake Place, Kolkata 700029", 85),
        (
            "110060200234",
            "Shreya Banerjee",
            OTHER,
            "4A, Ballygunge Circular Road, Kolkata 700019",
            68,
        ),
        ("110640300456", "Md. Imran Hossain", "", "27, Park Circus, Kolkata 700017", 64),
        ("110930400789", "Rumpa Ghosh", "", "9/1, Prince Anwar Shah Road, Kolkata 700033", 93),
    ]
    for n, (number, name, mobile, premises, ward) in enumerate(owners):
        assessment, created = Assessment.objects.get_or_create(
            assessee_no=number,
            defaults={
                "owner_name": name,
                "owner_mobile": mobile,
                "owner_mobile_index": blind_index(mobile, "mobile") if mobile else "",
                "premises": premises,
                "ward": ward,
                "annual_valuation": Decimal(24000 + 6000 * n),
                "arrears": Decimal(1250 * n),
                "imported_from": "demo",
            },
        )
        if not created:
            continue
        summary.count("assessments")
        for quarter in range(1, 5):
            paid = quarter <= n
            AssessmentDue.objects.create(
                assessment=assessment,
                year=year,
                quarter=quarter,
                amount=Decimal(0) if paid else Decimal(1500 + 250 * n),
                due_date=quarter_due_date(year, quarter),
            )
            if paid:
                AssessmentPayment.objects.create(
                    assessment=assessment,
                    receipt_no=f"RCPT{number[-6:]}{quarter}",
                    paid_on=quarter_due_date(year, quarter) - timedelta(days=10),
                    amount=Decimal(1500 + 250 * n),
                    period=f"{year}-{(year + 1) % 100:02d} Q{quarter}",
                )


def _history(obj: Any, field_name: str, steps: list[tuple[str, str]]) -> None:
    start = timezone.now() - timedelta(days=10 * len(steps))
    for i, (status, note) in enumerate(steps):
        StatusEntry.objects.create(
            **{field_name: obj},
            status=status,
            at=start + timedelta(days=10 * i),
            note=note,
            by="demo",
        )
    obj.status = steps[-1][0]
    obj.status_changed_at = start + timedelta(days=10 * (len(steps) - 1))
    obj.save()


def _plans(summary: Summary) -> None:
    plans = [
        (
            "2026070012",
            "Anirban Mukherjee",
            CITIZEN,
            "12, Lake Place",
            85,
            ["received", "scrutiny", "inspection"],
        ),
        (
            "2026070013",
            "Shreya Banerjee",
            OTHER,
            "4A, Ballygunge Circular Road",
            68,
            ["received", "query"],
        ),
        (
            "2026060101",
            "Sanjay Agarwal",
            "",
            "15, Burrabazar Street",
            42,
            ["received", "scrutiny", "sanctioned"],
        ),
    ]
    for number, name, mobile, premises, ward, steps in plans:
        if PlanApplication.objects.filter(number=number).exists():
            continue
        plan = PlanApplication(
            number=number,
            applicant_name=name,
            applicant_mobile=mobile,
            applicant_mobile_index=blind_index(mobile, "mobile") if mobile else "",
            premises=premises,
            ward=ward,
            submitted_on=date.today() - timedelta(days=40),
            status=steps[0],
            status_changed_at=timezone.now(),
        )
        plan.save()
        _history(plan, "plan", [(s, "") for s in steps])
        summary.count("building plan applications")


def _permissions(summary: Summary) -> None:
    permits = [
        (
            "ADV/2026/0451",
            "Anirban Mukherjee",
            CITIZEN,
            "hoarding",
            "Rooftop, 80 Rashbehari Avenue",
            85,
            ["applied", "review", "granted"],
        ),
        (
            "ADV/2026/0452",
            "Tanushree Pal",
            "",
            "signboard",
            "Shop front, 3 Gariahat Road",
            86,
            ["applied", "review"],
        ),
    ]
    for number, name, mobile, kind, site, ward, steps in permits:
        if AdvertisementPermission.objects.filter(number=number).exists():
            continue
        permit = AdvertisementPermission(
            number=number,
            holder_name=name,
            holder_mobile=mobile,
            holder_mobile_index=blind_index(mobile, "mobile") if mobile else "",
            kind=kind,
            site=site,
            ward=ward,
            valid_until=date.today() + timedelta(days=300) if "granted" in steps else None,
            status=steps[0],
            status_changed_at=timezone.now(),
        )
        permit.save()
        _history(permit, "permission", [(s, "") for s in steps])
        summary.count("advertisement permissions")


REQUESTS = [
    (
        "ws-no-water",
        CITIZEN,
        85,
        10,
        "No water in the morning supply for three days at Lake Place.",
        "submitted",
    ),
    (
        "ws-leakage",
        OTHER,
        68,
        8,
        "Main pipe leaking at the corner of Ballygunge Circular Road.",
        "assigned",
    ),
    (
        "ws-dirty-water",
        CITIZEN,
        85,
        10,
        "Yellow, smelly water from the tap since yesterday.",
        "in_progress",
    ),
    (
        "ws-low-pressure",
        OTHER,
        64,
        7,
        "Very low pressure on the second floor, tank does not fill.",
        "resolved",
    ),
    ("ws-no-water", OTHER, 93, 10, "No supply in the lane behind the market.", "overdue"),
    ("swm-garbage", CITIZEN, 85, 10, "Vat not cleared for two days near the school.", "submitted"),
    (
        "lgt-street-light",
        OTHER,
        64,
        7,
        "Three street lights off on Park Circus connector.",
        "closed",
    ),
]


def _requests(users: dict[str, User], summary: Summary) -> None:
    if ServiceRequest.objects.filter(description=REQUESTS[0][4]).exists():
        return
    for n, (slug, mobile, ward, borough, text, state) in enumerate(REQUESTS):
        sr = actions.submit_request(
            citizen=mobile,
            service=slug,
            description=text,
            ward=ward,
            borough=borough,
            latitude=f"22.5{1000 + n * 37:04d}",
            longitude=f"88.3{4000 + n * 41:04d}",
            photos=[_photo((120 + n * 10, 90, 60))],
            channel="web" if n % 2 else "whatsapp",
        )
        summary.count("service requests")
        if state == "submitted":
            continue
        staff = users.get(sr.department.code)
        worker = (
            Employee.objects.filter(department=sr.department, active=True)
            .exclude(user__isnull=False)
            .order_by("-staff_number")
            .first()
        )
        if worker is None:
            continue
        actor: Any = staff or "demo"
        if state == "overdue":
            actions.assign_request(sr, worker, actor=actor)
            ServiceRequest.objects.filter(pk=sr.pk).update(
                due_at=timezone.now() - timedelta(hours=3)
            )
            continue
        sr = actions.assign_request(sr, worker, actor=actor, note="A team will visit today.")
        if state == "assigned":
            continue
        sr = actions.start_work(sr, actor=actor)
        if state == "in_progress":
            continue
        sr = actions.resolve_request(
            sr,
            actor=actor,
            note="Valve replaced and supply restored.",
            after_photo=_photo((60, 140, 90)),
        )
        if state == "closed":
            actions.rate_request(sr, 5, citizen=mobile)
    summary.count("escalated", escalate_overdue())


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode()
