"""The messages services sends, in English, Bengali and Hindi.

Context each key expects:
  service_request_update     tracking_number, status, note, url
  service_request_resolved   tracking_number, note, url
  service_request_escalated  tracking_number, service, ward, due

(service_request_received ships with notify.) Written by the data migration 0002 and put back
after every migrate when missing; an administrator's edits and DLT ids stay.
"""

from typing import Any

from civicgate.notify.defaults import load_templates, sms_rows, whatsapp_rows

SMS = {
    "service_request_update": {
        "en": "Your KMC request {tracking_number} is now: {status}. {note} Details: {url} - KMC",
        "bn": "আপনার KMC আবেদন {tracking_number}-এর বর্তমান অবস্থা: {status}। {note} বিস্তারিত: {url} - কলকাতা পৌরসংস্থা",
        "hi": "आपके KMC अनुरोध {tracking_number} की स्थिति अब: {status}। {note} विवरण: {url} - कोलकाता नगर निगम",
    },
    "service_request_resolved": {
        "en": "Your KMC request {tracking_number} has been resolved. {note} Please rate our work from 1 to 5: {url} - KMC",
        "bn": "আপনার KMC আবেদন {tracking_number}-এর সমাধান হয়েছে। {note} আমাদের কাজকে ১ থেকে ৫-এর মধ্যে রেটিং দিন: {url} - কলকাতা পৌরসংস্থা",
        "hi": "आपके KMC अनुरोध {tracking_number} का समाधान हो गया है। {note} कृपया हमारे काम को 1 से 5 तक रेटिंग दें: {url} - कोलकाता नगर निगम",
    },
    "service_request_escalated": {
        "en": "Overdue: request {tracking_number} ({service}, ward {ward}) was due by {due} and is escalated to you. - CivicGate",
        "bn": "সময় পেরিয়েছে: আবেদন {tracking_number} ({service}, ওয়ার্ড {ward}) {due}-এর মধ্যে মেটার কথা ছিল, এটি আপনার কাছে পাঠানো হল। - CivicGate",
        "hi": "समय सीमा पार: अनुरोध {tracking_number} ({service}, वार्ड {ward}) {due} तक निपटना था, इसे आपके पास भेजा गया है। - CivicGate",
    },
}

WHATSAPP = {
    "service_request_update": {
        "en": "Update on your request {tracking_number}\nStatus: {status}\n{note}\nDetails: {url}",
        "bn": "আপনার আবেদন {tracking_number}-এর খবর\nঅবস্থা: {status}\n{note}\nবিস্তারিত: {url}",
        "hi": "आपके अनुरोध {tracking_number} की जानकारी\nस्थिति: {status}\n{note}\nविवरण: {url}",
    },
    "service_request_resolved": {
        "en": "Your request {tracking_number} has been resolved.\n{note}\nHow did we do? Rate us from 1 to 5: {url}\nA rating of 2 or less sends the team back.",
        "bn": "আপনার আবেদন {tracking_number}-এর সমাধান হয়েছে।\n{note}\nআমাদের কাজ কেমন লাগল? ১ থেকে ৫-এর মধ্যে রেটিং দিন: {url}\n২ বা তার কম রেটিং দিলে দল আবার কাজে ফিরবে।",
        "hi": "आपके अनुरोध {tracking_number} का समाधान हो गया है।\n{note}\nहमारा काम कैसा लगा? 1 से 5 तक रेटिंग दें: {url}\n2 या उससे कम रेटिंग देने पर टीम फिर से काम पर लौटेगी।",
    },
    "service_request_escalated": {
        "en": "Overdue request escalated to you\nNumber: {tracking_number}\nService: {service}\nWard: {ward}\nWas due by: {due}",
        "bn": "সময় পেরোনো আবেদন আপনার কাছে পাঠানো হল\nনম্বর: {tracking_number}\nপরিষেবা: {service}\nওয়ার্ড: {ward}\nমেটার কথা ছিল: {due}",
        "hi": "समय सीमा पार अनुरोध आपके पास भेजा गया\nनंबर: {tracking_number}\nसेवा: {service}\nवार्ड: {ward}\nनिपटाना था: {due} तक",
    },
}


def rows() -> list[dict[str, str]]:
    return sms_rows(SMS) + whatsapp_rows(WHATSAPP)


def load(apps: Any) -> None:
    load_templates(apps, rows())
