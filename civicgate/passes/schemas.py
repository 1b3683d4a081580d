"""Typed shapes of the gate API, in and out."""

import uuid
from datetime import datetime
from typing import Any, Literal

from django.urls import NoReverseMatch, reverse
from ninja import Field, Schema
from pydantic import AwareDatetime

from civicgate.passes.models import GatePass, Visitor
from civicgate.passes.scanning import ScanResult


class ErrorOut(Schema):
    error: str = Field(description="A stable code, e.g. unauthorized, invalid, wrong_direction.")
    message: str = Field(description="What went wrong, for a person to read.")


class ScanIn(Schema):
    scan_id: uuid.UUID = Field(
        description="A UUID the device makes for this scan; a retry with the same id is "
        "recorded once and answered with the first decision."
    )
    code: str = Field(
        max_length=2000, description="The text of the QR code as scanned, or a typed pass code."
    )
    direction: Literal["in", "out"]
    scanned_at: AwareDatetime = Field(
        description="When the device scanned it, ISO 8601 with a UTC offset."
    )


class PassOut(Schema):
    code: str
    state: str = Field(description="issued, inside, outside, closed, expired, revoked, ...")
    kind: str = Field(description="single, day or multi_day.")
    office: str = Field(description="Office code, e.g. HQ.")
    host: str = Field(description="The official or department the visitor comes to see.")
    valid_from: datetime
    valid_until: datetime

    @staticmethod
    def of(gate_pass: GatePass) -> "PassOut":
        return PassOut(
            code=gate_pass.code,
            state=gate_pass.state,
            kind=gate_pass.kind,
            office=gate_pass.office.code,
            host=host_label(gate_pass),
            valid_from=gate_pass.valid_from,
            valid_until=gate_pass.valid_until,
        )


def host_label(gate_pass: GatePass) -> str:
    if gate_pass.host_official is not None:
        official = gate_pass.host_official
        return f"{official.employee.name}, {official.title}"
    return gate_pass.host_department.localized_name if gate_pass.host_department else ""


class VisitorOut(Schema):
    name: str
    photo_url: str | None = Field(
        description="Where a guard of this office may fetch the visitor's photo, if any."
    )

    @staticmethod
    def of(visitor: Visitor) -> "VisitorOut":
        url = None
        if visitor.photo:
            try:
                url = reverse("passes:visitor_photo", args=[visitor.code])
            except NoReverseMatch:
                url = None
        return VisitorOut(name=visitor.name, photo_url=url)


class ScanOut(Schema):
    decision: Literal["allow", "deny"]
    reason: str = Field(description="ok, malformed, invalid_signature, unknown_key, ... blocked.")
    message: str = Field(description="What the guard reads, in the request's language.")
    pass_: PassOut | None = Field(alias="pass")
    visitor: VisitorOut | None

    @staticmethod
    def of(result: ScanResult) -> "ScanOut":
        return ScanOut.model_validate(ScanOut.payload(result))

    @staticmethod
    def payload(result: ScanResult) -> dict[str, Any]:
        """The response body as plain data (the API validates it against this schema once)."""
        gate_pass, visitor = result.gate_pass, result.visitor
        return {
            "decision": result.decision,
            "reason": result.reason,
            "message": result.message,
            "pass": None
            if gate_pass is None
            else {
                "code": gate_pass.code,
                "state": gate_pass.state,
                "kind": gate_pass.kind,
                "office": gate_pass.office.code,
                "host": host_label(gate_pass),
                "valid_from": gate_pass.valid_from,
                "valid_until": gate_pass.valid_until,
            },
            "visitor": None if visitor is None else VisitorOut.of(visitor).model_dump(),
        }


class KeyOut(Schema):
    kid: str = Field(description="The key id written in each token.")
    alg: Literal["Ed25519"] = "Ed25519"
    public_key: str = Field(description="The raw 32-byte public key, base64url without padding.")


class KeysOut(Schema):
    keys: list[KeyOut]


class RevocationsOut(Schema):
    generated_at: datetime
    revoked: list[str] = Field(
        description="Codes of passes whose genuine tokens must be refused: revoked, rejected, "
        "waiting for approval, or closed (used)."
    )
