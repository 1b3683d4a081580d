"""Fixtures for the organisation tests: sheets as the HR department sends them."""

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from civicgate.org.models import Department, Office

HEADER = [
    "Staff Number",
    "Name",
    "Designation",
    "Department",
    "Office",
    "Mobile",
    "Card Number",
    "Supervisor Staff Number",
    "Active",
]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def import_spool(settings: Any, tmp_path: Path) -> Path:
    settings.IMPORT_SPOOL_DIR = tmp_path / "imports"
    return settings.IMPORT_SPOOL_DIR


@pytest.fixture
def building(db: Any) -> Department:
    return Department.objects.create(code="BLD", name="Building")


@pytest.fixture
def org(hq: Office, borough: Office, water: Department, building: Department) -> dict[str, Any]:
    return {"hq": hq, "borough": borough, "water": water, "building": building}


@pytest.fixture
def sheet() -> Callable[..., bytes]:
    return csv_bytes
