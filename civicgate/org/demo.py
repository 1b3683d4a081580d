"""Demo data: KMC's headquarters and three borough offices, departments, 200 employees, officials,
one login per role and the HQ gates' devices.

Deterministic (a seeded random generator) and idempotent: a second run finds everything in
place and changes nothing.
"""

import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.chain import record
from civicgate.devices.actions import register_device
from civicgate.devices.models import Device
from civicgate.org.models import Department, Employee, Gate, Office, Official

DEMO_PASSWORD = "Kolkata-Demo-700013"
SEED = 700013

OFFICES = [
    (
        "HQ",
        "KMC Headquarters",
        Office.Kind.HEADQUARTERS,
        "5 S.N. Banerjee Road, Kolkata 700013",
        [("G1", "Gate 1"), ("G2", "Gate 2"), ("G3", "Gate 3"), ("G4", "Gate 4")],
    ),
    (
        "BR-07",
        "Borough VII Office, Park Circus",
        Office.Kind.BOROUGH,
        "Park Circus, Kolkata 700017",
        [("G1", "Main Gate")],
    ),
    (
        "BR-10",
        "Borough X Office, Tollygunge",
        Office.Kind.BOROUGH,
        "Tollygunge, Kolkata 700033",
        [("G1", "Main Gate"), ("G2", "Side Gate")],
    ),
    (
        "BR-12",
        "Borough XII Office, Kasba",
        Office.Kind.BOROUGH,
        "Kasba, Kolkata 700042",
        [("G1", "Main Gate")],
    ),
]

# (code, name, technical): technical departments are run by engineers, the others by managers.
DEPARTMENTS = [
    ("AC", "Assessment-Collection", False),
    ("WS", "Water Supply", True),
    ("BLD", "Building", True),
    ("ADV", "Advertisement", False),
    ("LIC", "Licence", False),
    ("SWM", "Solid Waste Management", True),
    ("RD", "Roads", True),
    ("DS", "Drainage and Sewerage", True),
    ("HLT", "Health", False),
    ("LGT", "Lighting", True),
    ("PS", "Parks and Squares", True),
    ("MKT", "Market", False),
    ("ENG", "Engineering (Civil)", True),
    ("EDU", "Education", False),
    ("SWUPA", "Social Welfare and Urban Poverty Alleviation", False),
    ("EH", "Environment and Heritage", False),
    ("IT", "IT", False),
    ("TRS", "Treasury", False),
    ("BS", "Bustee Services", True),
    ("CP", "Car Parking", False),
]
# The departments' names as citizens read them in Bengali and Hindi.
DEPARTMENT_NAMES_BN_HI = {
    "AC": ("কর নির্ধারণ ও আদায়", "कर निर्धारण एवं संग्रह"),
    "WS": ("জল সরবরাহ", "जल आपूर्ति"),
    "BLD": ("বিল্ডিং", "भवन"),
    "ADV": ("বিজ্ঞাপন", "विज्ञापन"),
    "LIC": ("লাইসেন্স", "लाइसेंस"),
    "SWM": ("কঠিন বর্জ্য ব্যবস্থাপনা", "ठोस अपशिष्ट प्रबंधन"),
    "RD": ("রাস্তা", "सड़क"),
    "DS": ("নিকাশি ও পয়ঃপ্রণালী", "जल निकासी एवं सीवरेज"),
    "HLT": ("স্বাস্থ্য", "स्वास्थ्य"),
    "LGT": ("আলো", "प्रकाश"),
    "PS": ("উদ্যান ও স্কোয়ার", "उद्यान एवं चौक"),
    "MKT": ("বাজার", "बाज़ार"),
    "ENG": ("ইঞ্জিনিয়ারিং (সিভিল)", "इंजीनियरिंग (सिविल)"),
    "EDU": ("শিক্ষা", "शिक्षा"),
    "SWUPA": ("সমাজকল্যাণ ও নগর দারিদ্র্য দূরীকরণ", "समाज कल्याण एवं शहरी गरीबी उन्मूलन"),
    "EH": ("পরিবেশ ও ঐতিহ্য", "पर्यावरण एवं धरोहर"),
    "IT": ("তথ্যপ্রযুক্তি", "सूचना प्रौद्योगिकी"),
    "TRS": ("কোষাগার", "कोषागार"),
    "BS": ("বস্তি পরিষেবা", "बस्ती सेवाएँ"),
    "CP": ("গাড়ি পার্কিং", "कार पार्किंग"),
}
# Field departments post some of their staff at the borough offices.
FIELD_DEPARTMENTS = {"WS", "SWM", "RD", "DS", "HLT", "LGT", "PS", "BS", "AC"}

TECHNICAL_RANKS = [
    "Director General",
    "Executive Engineer",
    "Assistant Engineer",
    "Sub-Assistant Engineer",
]
MANAGERIAL_RANKS = ["Chief Manager", "Deputy Chief Manager", "Head Clerk", "Upper Division Clerk"]
JUNIOR_TITLES = {
    True: ["Sub-Assistant Engineer", "Work Assistant", "Lower Division Clerk"],
    False: ["Upper Division Clerk", "Lower Division Clerk", "Inspector"],
}
SPECIAL_HEADS = {
    "AC": "Chief Valuer and Surveyor",
    "HLT": "Chief Municipal Health Officer",
    "TRS": "Chief Municipal Accountant",
    "IT": "Director General (IT)",
    "EDU": "Chief Manager (Education)",
}

MALE = [
    "Amit",
    "Arindam",
    "Arnab",
    "Abhijit",
    "Biswajit",
    "Debasish",
    "Debabrata",
    "Dipankar",
    "Gautam",
    "Indranil",
    "Jayanta",
    "Kaushik",
    "Partha",
    "Pradip",
    "Prasenjit",
    "Rajib",
    "Sandip",
    "Sanjoy",
    "Saurav",
    "Subhasis",
    "Sudipto",
    "Sumanta",
    "Supriyo",
    "Tapas",
    "Tanmoy",
    "Anirban",
    "Soumen",
    "Bikash",
    "Ashok",
    "Tarun",
    "Rafiqul",
    "Imran",
    "Mohammad Salim",
    "Aftab",
]
FEMALE = [
    "Ananya",
    "Anindita",
    "Aparna",
    "Debjani",
    "Dipanwita",
    "Ishita",
    "Jayasree",
    "Kakali",
    "Mahua",
    "Moumita",
    "Paromita",
    "Payel",
    "Rituparna",
    "Sanchita",
    "Sharmistha",
    "Sreya",
    "Sudeshna",
    "Susmita",
    "Tanusree",
    "Sohini",
    "Nasreen",
    "Shabnam",
]
SURNAMES = [
    "Banerjee",
    "Chatterjee",
    "Mukherjee",
    "Bhattacharya",
    "Ganguly",
    "Ghosh",
    "Bose",
    "Basu",
    "Das",
    "Dutta",
    "Sen",
    "Sengupta",
    "Roy",
    "Chakraborty",
    "Mondal",
    "Saha",
    "Paul",
    "Sarkar",
    "Mitra",
    "Haldar",
    "Naskar",
    "Mallick",
    "Biswas",
    "Pal",
    "Dey",
    "Kar",
    "Nandi",
    "Majumdar",
    "Guha",
    "Sinha",
    "Adhikari",
    "Bag",
    "Jana",
    "Maity",
    "Pramanik",
]
MUSLIM_SURNAMES = ["Ahmed", "Hossain", "Khan", "Sk", "Ansari", "Molla"]
MOBILE_PREFIXES = [
    "98300",
    "98310",
    "98361",
    "94330",
    "90070",
    "70039",
    "80178",
    "62900",
    "96740",
    "83350",
]


@dataclass
class Summary:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def _upsert(
    model: Any, lookup: dict[str, Any], values: dict[str, Any], summary: Summary, label: str
) -> Any:
    """Create, or bring in line only the fields that differ (so reruns write nothing)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        summary.count(label)
        return obj
    dirty = [name for name, value in values.items() if getattr(obj, name) != value]
    if dirty:
        for name in dirty:
            setattr(obj, name, values[name])
        obj.save()
        summary.count(f"{label} (updated)")
    return obj


@dataclass
class PlannedEmployee:
    staff_number: str
    name: str
    designation: str
    department: str
    office: str
    mobile: str
    card_number: str
    supervisor: str | None


def plan_employees() -> list[PlannedEmployee]:
    """200 employees, ten per department: head -> two officers -> seniors -> juniors."""
    rng = random.Random(SEED)  # noqa: S311 - demo data must come out the same on every run
    used_names: set[str] = set()
    used_mobiles: set[str] = set()
    used_cards: set[str] = set()
    people: list[PlannedEmployee] = []
    serial = 10001

    def person() -> tuple[str, str, str]:
        while True:
            if rng.random() < 0.1:
                name = f"{rng.choice(['Rafiqul', 'Imran', 'Mohammad Salim', 'Aftab', 'Nasreen', 'Shabnam'])} {rng.choice(MUSLIM_SURNAMES)}"
            else:
                name = (
                    f"{rng.choice(MALE if rng.random() < 0.6 else FEMALE)} {rng.choice(SURNAMES)}"
                )
            mobile = f"+91{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99999):05d}"
            card = f"{rng.randint(1_000_000, 9_999_999):010d}"
            if name not in used_names and mobile not in used_mobiles and card not in used_cards:
                used_names.add(name)
                used_mobiles.add(mobile)
                used_cards.add(card)
                return name, mobile, card

    for code, _name, technical in DEPARTMENTS:
        ranks = TECHNICAL_RANKS if technical else MANAGERIAL_RANKS
        boroughs = ["BR-07", "BR-10", "BR-12"]

        def add(
            designation: str, supervisor: str | None, office: str = "HQ", *, _code: str = code
        ) -> str:
            nonlocal serial
            name, mobile, card = person()
            staff = f"KMC{serial}"
            serial += 1
            people.append(
                PlannedEmployee(staff, name, designation, _code, office, mobile, card, supervisor)
            )
            return staff

        head = add(SPECIAL_HEADS.get(code, ranks[0]), None)
        for _officer in range(2):
            officer = add(ranks[1], head)
            senior = add(ranks[2], officer)
            for _junior in range(2):
                office = rng.choice(boroughs) if code in FIELD_DEPARTMENTS else "HQ"
                add(rng.choice(JUNIOR_TITLES[technical]), senior, office)
        add(ranks[3], head)
    return people


@transaction.atomic
def seed() -> Summary:
    summary = Summary()
    offices: dict[str, Office] = {}
    gates: dict[tuple[str, str], Gate] = {}
    for code, name, kind, address, office_gates in OFFICES:
        office = _upsert(
            Office,
            {"code": code},
            {"name": name, "kind": kind, "address": address, "active": True},
            summary,
            "offices",
        )
        offices[code] = office
        for gate_code, gate_name in office_gates:
            gates[(code, gate_code)] = _upsert(
                Gate,
                {"office": office, "code": gate_code},
                {"name": gate_name, "active": True},
                summary,
                "gates",
            )

    departments = {
        code: _upsert(
            Department,
            {"code": code},
            {
                "name": name,
                "name_bn": DEPARTMENT_NAMES_BN_HI[code][0],
                "name_hi": DEPARTMENT_NAMES_BN_HI[code][1],
                "active": True,
            },
            summary,
            "departments",
        )
        for code, name, _technical in DEPARTMENTS
    }

    employees = _seed_employees(plan_employees(), departments, offices, summary)
    _seed_officials(employees, summary)
    _seed_devices(offices["HQ"], gates, summary)
    _seed_users(employees, departments["WS"], offices, summary)
    if summary.changed:
        record("org.demo_seeded", actor="seed_demo", data={"created": summary.created})
    return summary


def _seed_employees(
    plan: list[PlannedEmployee],
    departments: dict[str, Department],
    offices: dict[str, Office],
    summary: Summary,
) -> dict[str, Employee]:
    existing = {
        e.staff_number: e
        for e in Employee.objects.filter(staff_number__in=[p.staff_number for p in plan])
    }
    for p in plan:
        values = {
            "name": p.name,
            "designation": p.designation,
            "department_id": departments[p.department].pk,
            "office_id": offices[p.office].pk,
            "mobile": p.mobile,
            "card_number": p.card_number,
            "active": True,
        }
        employee = existing.get(p.staff_number)
        if employee is None:
            existing[p.staff_number] = Employee.objects.create(
                staff_number=p.staff_number, **values
            )
            summary.count("employees")
        elif any(getattr(employee, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(employee, k, v)
            employee.save()
            summary.count("employees (updated)")
    for p in plan:
        employee = existing[p.staff_number]
        boss_id = existing[p.supervisor].pk if p.supervisor else None
        if employee.supervisor_id != boss_id:
            employee.supervisor_id = boss_id
            employee.save(update_fields=["supervisor", "updated_at"])
    return existing


def _heads(employees: dict[str, Employee]) -> list[Employee]:
    return sorted(
        (e for e in employees.values() if e.supervisor_id is None), key=lambda e: e.staff_number
    )


def _seed_officials(employees: dict[str, Employee], summary: Summary) -> None:
    """The head of each department receives visitors: 20 officials."""
    for floor, head in enumerate(_heads(employees)):
        _upsert(
            Official,
            {"employee": head},
            {
                "title": f"{head.designation}, {head.department.name}",
                "room": f"{1 + floor // 5}{floor % 5 + 1:02d}",
                "accepts_visitors": True,
            },
            summary,
            "officials",
        )


def _seed_devices(hq: Office, gates: dict[tuple[str, str], Gate], summary: Summary) -> None:
    """Two devices at each HQ gate: a pass scanner and an identity card reader."""
    for (office_code, _gate_code), gate in sorted(gates.items()):
        if office_code != hq.code:
            continue
        for suffix, kind in (
            ("pass scanner", Device.Kind.SCANNER),
            ("card reader", Device.Kind.CARD_READER),
        ):
            name = f"{gate.name} {suffix}"
            if not Device.objects.filter(office=hq, name=name).exists():
                register_device(
                    name=name,
                    kind=kind,
                    office=hq,
                    gate=gate,
                    direction=Device.Direction.BOTH,
                    actor=None,
                )
                summary.count("devices")


def _seed_users(
    employees: dict[str, Employee],
    water_supply: Department,
    offices: dict[str, Office],
    summary: Summary,
) -> None:
    """One login per role; the official, supervisor and employee are Water Supply staff."""
    water = sorted(
        (e for e in employees.values() if e.department_id == water_supply.pk),
        key=lambda e: e.staff_number,
    )
    head = water[0]
    officer = next(
        e for e in water if e.supervisor_id == head.pk and e.designation == TECHNICAL_RANKS[1]
    )
    senior = next(e for e in water if e.supervisor_id == officer.pk)
    clerk = next(e for e in water if e.supervisor_id == senior.pk)
    hq = offices["HQ"]
    logins: list[tuple[str, str, list[Office], bool, Employee | None]] = [
        ("demo_sysadmin", Role.SYSTEM_ADMIN, [], True, None),
        ("demo_security", Role.SECURITY_ADMIN, [], True, None),
        ("demo_desk", Role.DESK_OPERATOR, [hq], False, None),
        ("demo_guard", Role.GUARD, [hq], False, None),
        ("demo_official", Role.OFFICIAL, [head.office], False, head),
        ("demo_supervisor", Role.SUPERVISOR, [officer.office], False, officer),
        ("demo_employee", Role.EMPLOYEE, [clerk.office], False, clerk),
    ]
    shared_hash = ""
    for username, role, user_offices, all_offices, employee in logins:
        first, _sep, last = (
            employee.name.partition(" ") if employee else (f"Demo {Role(role).label}", "", "")
        )
        user = _upsert(
            User,
            {"username": username},
            {
                "all_offices": all_offices,
                "employee": employee,
                "first_name": first,
                "last_name": last,
                "is_staff": role == Role.SYSTEM_ADMIN,
                "is_active": True,
            },
            summary,
            "demo users",
        )
        # Argon2 is slow on purpose: hash the shared demo password once, verify it once per run.
        if shared_hash and user.password == shared_hash:
            pass
        elif user.check_password(DEMO_PASSWORD):
            shared_hash = shared_hash or user.password
        else:
            shared_hash = shared_hash or make_password(DEMO_PASSWORD)
            user.password = shared_hash
            user.save(update_fields=["password"])
        if set(user.groups.values_list("name", flat=True)) != {role}:
            user.groups.set([Group.objects.get(name=role)])
        if set(user.offices.values_list("pk", flat=True)) != {o.pk for o in user_offices}:
            user.offices.set(user_offices)
        summary.logins.append((str(Role(role).label), username))
