"""Message templates of appointments in English, Bengali and Hindi (SMS and WhatsApp).

appointment_confirmed and appointment_reminder ship with notify. Context of every key:
official, office, when, reference, url, citizen. Put back after every migrate if deleted (named
by AppointmentsConfig.message_templates, see notify.defaults); an administrator's edits are kept.
"""

from django.db import migrations

from civicgate.notify.defaults import (
    load_templates,
    sms_row,
    sms_rows,
    unload_templates,
    whatsapp_row,
)

CITIZEN = {
    "appointment_requested": {
        "en": "Your request {reference} to meet {official}, {office}, at {when} has been sent. We will tell you when the official confirms it. Details: {url} - KMC",
        "bn": "{office}-এ {when} সময়ে {official}-এর সঙ্গে সাক্ষাতের অনুরোধ ({reference}) পাঠানো হয়েছে। আধিকারিক নিশ্চিত করলে আমরা জানাব। বিস্তারিত: {url} - কলকাতা পৌরসংস্থা",
        "hi": "{office} में {when} पर {official} से मिलने का आपका अनुरोध ({reference}) भेज दिया गया है। अधिकारी के पुष्टि करते ही हम आपको बताएँगे। विवरण: {url} - कोलकाता नगर निगम",
    },
    "appointment_rescheduled": {
        "en": "Your appointment {reference} with {official}, {office}, has moved to {when}. Your earlier gate pass no longer works; a new one follows. Details: {url} - KMC",
        "bn": "{office}-এ {official}-এর সঙ্গে আপনার সাক্ষাৎ ({reference}) সরিয়ে {when} করা হয়েছে। আগের গেট পাস আর চলবে না; নতুন পাস পাঠানো হচ্ছে। বিস্তারিত: {url} - কলকাতা পৌরসংস্থা",
        "hi": "{office} में {official} के साथ आपकी मुलाक़ात ({reference}) अब {when} पर है। आपका पिछला गेट पास अब मान्य नहीं है; नया पास भेजा जा रहा है। विवरण: {url} - कोलकाता नगर निगम",
    },
    "appointment_cancelled": {
        "en": "Your appointment {reference} with {official}, {office}, at {when} is cancelled and its gate pass withdrawn. Book again at {url} - KMC",
        "bn": "{office}-এ {when} সময়ে {official}-এর সঙ্গে আপনার সাক্ষাৎ ({reference}) বাতিল হয়েছে এবং গেট পাস প্রত্যাহার করা হয়েছে। আবার বুক করুন: {url} - কলকাতা পৌরসংস্থা",
        "hi": "{office} में {when} पर {official} के साथ आपकी मुलाक़ात ({reference}) रद्द कर दी गई है और गेट पास वापस ले लिया गया है। फिर से बुक करें: {url} - कोलकाता नगर निगम",
    },
    "appointment_declined": {
        "en": "Sorry, {official} cannot meet you at {when} (request {reference}). Please choose another time: {url} - KMC",
        "bn": "দুঃখিত, {official} {when} সময়ে আপনার সঙ্গে দেখা করতে পারবেন না (অনুরোধ {reference})। অনুগ্রহ করে অন্য সময় বেছে নিন: {url} - কলকাতা পৌরসংস্থা",
        "hi": "क्षमा करें, {official} {when} पर आपसे नहीं मिल पाएँगे (अनुरोध {reference})। कृपया कोई दूसरा समय चुनें: {url} - कोलकाता नगर निगम",
    },
}

OFFICIAL = {
    "official_booking_new": {
        "en": "New appointment {reference}: {citizen} at {when}. - CivicGate",
        "bn": "নতুন সাক্ষাৎ {reference}: {citizen}, {when}। - CivicGate",
        "hi": "नई मुलाक़ात {reference}: {citizen}, {when}। - CivicGate",
    },
    "official_booking_moved": {
        "en": "Appointment {reference} with {citizen} moved to {when}. - CivicGate",
        "bn": "{citizen}-এর সঙ্গে সাক্ষাৎ {reference} সরিয়ে {when} করা হয়েছে। - CivicGate",
        "hi": "{citizen} के साथ मुलाक़ात {reference} अब {when} पर है। - CivicGate",
    },
    "official_booking_cancelled": {
        "en": "Appointment {reference} with {citizen} at {when} is cancelled. - CivicGate",
        "bn": "{when} সময়ে {citizen}-এর সঙ্গে সাক্ষাৎ {reference} বাতিল হয়েছে। - CivicGate",
        "hi": "{when} पर {citizen} के साथ मुलाक़ात {reference} रद्द हो गई है। - CivicGate",
    },
}


def rows():
    out = []
    for key, by_language in CITIZEN.items():
        for language, body in by_language.items():
            out.append(sms_row(key, language, body))
            out.append(whatsapp_row(key, language, body.rsplit(" - ", 1)[0]))
    return out + sms_rows(OFFICIAL)


def load(apps, schema_editor):
    load_templates(apps, rows())


def unload(apps, schema_editor):
    unload_templates(apps, rows())


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("notify", "0003_default_templates"),
    ]

    operations = [migrations.RunPython(load, unload)]
