"""The KMC services the catalogue ships with, and how they meet their departments.

The rows are written by the data migration 0002 and put back after every migrate when missing
(an administrator's edits stay). A service names its department by code; link_departments()
joins it to the Department row of that code whenever one exists or is created.
"""

from typing import Any

H = 1  # hours
DAY = 24 * H


def _label(en: str, bn: str, hi: str) -> dict[str, str]:
    return {"en": en, "bn": bn, "hi": hi}


ASSESSEE_NO = {
    "key": "assessee_no",
    "label": _label("Assessee number", "অ্যাসেসি নম্বর", "असेसी नंबर"),
    "required": True,
}
PLAN_NO = {
    "key": "plan_no",
    "label": _label(
        "Building plan application number", "বিল্ডিং প্ল্যান আবেদন নম্বর", "भवन नक्शा आवेदन नंबर"
    ),
    "required": True,
}
PERMISSION_NO = {
    "key": "permission_no",
    "label": _label("Permission number", "অনুমতি নম্বর", "अनुमति नंबर"),
    "required": True,
}
CONSUMER_NO = {
    "key": "consumer_no",
    "label": _label(
        "Water connection (consumer) number", "জল সংযোগ (গ্রাহক) নম্বর", "पानी कनेक्शन (उपभोक्ता) नंबर"
    ),
    "required": False,
}
SITE_SIZE = {
    "key": "size",
    "label": _label(
        "Size of the hoarding or signboard (feet)",
        "হোর্ডিং বা সাইনবোর্ডের মাপ (ফুট)",
        "होर्डिंग या साइनबोर्ड का आकार (फ़ुट)",
    ),
    "required": True,
}

# slug, department code, kind, (en, bn, hi), details, location, photos, handler, target hours
SERVICES: list[
    tuple[str, str, str, tuple[str, str, str], list[dict[str, Any]], str, bool, str, int | None]
] = [
    (
        "ac-tax-dues",
        "AC",
        "lookup",
        ("Property tax dues", "সম্পত্তি করের বকেয়া", "संपत्ति कर का बकाया"),
        [ASSESSEE_NO],
        "none",
        False,
        "Assessment-Collection, online",
        None,
    ),
    (
        "ac-tax-receipts",
        "AC",
        "lookup",
        ("Property tax payment receipts", "সম্পত্তি কর প্রদানের রসিদ", "संपत्ति कर भुगतान की रसीदें"),
        [ASSESSEE_NO],
        "none",
        False,
        "Assessment-Collection, online",
        None,
    ),
    (
        "ac-how-to-pay",
        "AC",
        "information",
        ("How to pay property tax", "কীভাবে সম্পত্তি কর দেবেন", "संपत्ति कर कैसे भरें"),
        [],
        "none",
        False,
        "Assessment-Collection",
        None,
    ),
    (
        "ac-mutation",
        "AC",
        "application",
        ("Mutation of property", "সম্পত্তির মিউটেশন", "संपत्ति का नामांतरण (म्यूटेशन)"),
        [ASSESSEE_NO],
        "none",
        True,
        "Deputy Assessor-Collector, borough",
        30 * DAY,
    ),
    (
        "ws-no-water",
        "WS",
        "complaint",
        ("No water supply", "জল সরবরাহ নেই", "पानी की आपूर्ति नहीं"),
        [CONSUMER_NO],
        "required",
        True,
        "Assistant Engineer (Water Supply), borough",
        24 * H,
    ),
    (
        "ws-low-pressure",
        "WS",
        "complaint",
        ("Low water pressure", "জলের চাপ কম", "पानी का दबाव कम"),
        [CONSUMER_NO],
        "required",
        True,
        "Assistant Engineer (Water Supply), borough",
        48 * H,
    ),
    (
        "ws-leakage",
        "WS",
        "complaint",
        ("Water pipe leakage", "জলের পাইপে লিকেজ", "पानी की पाइप में रिसाव"),
        [],
        "required",
        True,
        "Assistant Engineer (Water Supply), borough",
        24 * H,
    ),
    (
        "ws-dirty-water",
        "WS",
        "complaint",
        ("Dirty or contaminated water", "নোংরা বা দূষিত জল", "गंदा या दूषित पानी"),
        [CONSUMER_NO],
        "required",
        True,
        "Assistant Engineer (Water Supply), borough",
        24 * H,
    ),
    (
        "ws-new-connection",
        "WS",
        "application",
        ("New water connection", "নতুন জলের সংযোগ", "नया पानी कनेक्शन"),
        [ASSESSEE_NO],
        "optional",
        True,
        "Executive Engineer (Water Supply), borough",
        30 * DAY,
    ),
    (
        "ws-tanker",
        "WS",
        "application",
        ("Water tanker", "জলের ট্যাঙ্কার", "पानी का टैंकर"),
        [],
        "required",
        False,
        "Assistant Engineer (Water Supply), borough",
        12 * H,
    ),
    (
        "bld-plan-status",
        "BLD",
        "lookup",
        ("Building plan sanction status", "বিল্ডিং প্ল্যান অনুমোদনের অবস্থা", "भवन नक्शा स्वीकृति की स्थिति"),
        [PLAN_NO],
        "none",
        False,
        "Building department, online",
        None,
    ),
    (
        "bld-completion-certificate",
        "BLD",
        "application",
        (
            "Completion certificate",
            "কমপ্লিশন সার্টিফিকেট (সমাপ্তি শংসাপত্র)",
            "पूर्णता प्रमाणपत्र (कंप्लीशन सर्टिफ़िकेट)",
        ),
        [PLAN_NO],
        "optional",
        True,
        "Executive Engineer (Building), borough",
        30 * DAY,
    ),
    (
        "adv-permission-status",
        "ADV",
        "lookup",
        (
            "Hoarding and signboard permission status",
            "হোর্ডিং ও সাইনবোর্ড অনুমতির অবস্থা",
            "होर्डिंग और साइनबोर्ड अनुमति की स्थिति",
        ),
        [PERMISSION_NO],
        "none",
        False,
        "Advertisement department, online",
        None,
    ),
    (
        "adv-permission",
        "ADV",
        "application",
        (
            "Hoarding or signboard permission",
            "হোর্ডিং বা সাইনবোর্ডের অনুমতি",
            "होर्डिंग या साइनबोर्ड की अनुमति",
        ),
        [SITE_SIZE],
        "required",
        True,
        "Chief Manager (Advertisement)",
        30 * DAY,
    ),
    (
        "adv-renewal",
        "ADV",
        "application",
        (
            "Renewal of hoarding or signboard permission",
            "হোর্ডিং বা সাইনবোর্ড অনুমতির নবীকরণ",
            "होर्डिंग या साइनबोर्ड अनुमति का नवीनीकरण",
        ),
        [PERMISSION_NO],
        "optional",
        False,
        "Chief Manager (Advertisement)",
        15 * DAY,
    ),
    (
        "swm-garbage",
        "SWM",
        "complaint",
        ("Garbage not cleared", "জঞ্জাল সাফ হয়নি", "कचरा नहीं उठाया गया"),
        [],
        "required",
        True,
        "Conservancy Supervisor (Solid Waste Management), ward",
        24 * H,
    ),
    (
        "lgt-street-light",
        "LGT",
        "complaint",
        ("Street light not working", "রাস্তার আলো জ্বলছে না", "स्ट्रीट लाइट खराब है"),
        [],
        "required",
        True,
        "Sub-Assistant Engineer (Lighting), borough",
        48 * H,
    ),
    (
        "rd-road-damage",
        "RD",
        "complaint",
        ("Damaged road or pothole", "ভাঙা রাস্তা বা গর্ত", "टूटी सड़क या गड्ढा"),
        [],
        "required",
        True,
        "Assistant Engineer (Roads), borough",
        7 * DAY,
    ),
    (
        "ds-drainage",
        "DS",
        "complaint",
        ("Blocked or overflowing drain", "নর্দমা আটকে গেছে বা উপচে পড়ছে", "नाली जाम है या उफन रही है"),
        [],
        "required",
        True,
        "Assistant Engineer (Drainage and Sewerage), borough",
        48 * H,
    ),
    (
        "hlt-mosquito",
        "HLT",
        "complaint",
        ("Mosquito breeding", "মশার বংশবৃদ্ধি", "मच्छरों का पनपना"),
        [],
        "required",
        True,
        "Vector Control Officer (Health), borough",
        72 * H,
    ),
]


def rows() -> list[dict[str, Any]]:
    out = []
    for position, (slug, dept, kind, names, details, location, photos, handler, hours) in enumerate(
        SERVICES
    ):
        out.append(
            {
                "slug": slug,
                "department_code": dept,
                "kind": kind,
                "name_en": names[0],
                "name_bn": names[1],
                "name_hi": names[2],
                "details": details,
                "location": location,
                "accepts_photos": photos,
                "handler": handler,
                "resolution_hours": hours,
                "position": position,
            }
        )
    return out


def load(apps: Any) -> None:
    """Create the catalogue's missing services (existing rows, with their edits, stay)."""
    Service = apps.get_model("services", "Service")
    known = set(Service.objects.values_list("slug", flat=True))
    for row in rows():
        if row["slug"] not in known:
            Service.objects.create(**row)
    link_departments(apps)


def link_departments(apps: Any) -> None:
    """Join services to the Department rows whose code they name."""
    Service = apps.get_model("services", "Service")
    Department = apps.get_model("org", "Department")
    for code, pk in Department.objects.values_list("code", "pk"):
        Service.objects.filter(department_code=code).exclude(department_id=pk).update(
            department_id=pk
        )
