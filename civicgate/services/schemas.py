"""Schemas of the services API."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field


class Error(Schema):
    error: str
    message: str


class DetailOut(Schema):
    key: str
    label: str
    required: bool


class ServiceOut(Schema):
    slug: str
    department: str
    kind: str
    name: str
    details: list[DetailOut]
    location: str
    accepts_photos: bool
    resolution_hours: int | None


class RequestIn(Schema):
    service: str = Field(description="The service's key, e.g. ws-no-water.")
    description: str = Field(min_length=5, max_length=2000)
    ward: int = Field(ge=1, le=144)
    borough: int | None = Field(default=None, ge=1, le=16)
    address: str = Field(default="", max_length=300)
    latitude: Decimal | None = Field(default=None, ge=-90, le=90)
    longitude: Decimal | None = Field(default=None, ge=-180, le=180)
    details: dict[str, str] = Field(default_factory=dict)
    photos: list[str] = Field(
        default_factory=list, max_length=3, description="Photos as base64 (JPEG, PNG or WebP)."
    )
    language: str | None = Field(default=None, pattern="^(en|bn|hi)$")


class EventOut(Schema):
    at: datetime
    kind: str
    state: str
    note: str


class RequestOut(Schema):
    number: str
    service: str
    state: str
    state_label: str
    description: str
    ward: int
    submitted_at: datetime
    due_at: datetime | None
    rating: int | None
    timeline: list[EventOut]


class TrackOut(Schema):
    number: str
    service: str
    state: str
    state_label: str
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None


class RatingIn(Schema):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)


class QuarterOut(Schema):
    period: str
    amount: Decimal
    due_date: date
    overdue: bool


class ReceiptOut(Schema):
    receipt_no: str
    paid_on: date
    amount: Decimal
    period: str


class DuesOut(Schema):
    assessee_no: str
    ward: int
    total_due: Decimal
    arrears: Decimal
    next_due_date: date | None
    payment_url: str
    is_owner: bool
    quarters: list[QuarterOut]
    owner_name: str
    premises: str
    receipts: list[ReceiptOut]


class StepOut(Schema):
    status: str
    label: str
    at: datetime
    note: str


class StatusOut(Schema):
    number: str
    kind: str
    status: str
    status_label: str
    since: datetime
    ward: int
    is_owner: bool
    history: list[StepOut]
    name: str
    place: str
    valid_until: date | None
