"""The default message templates in English, Bengali and Hindi.

Context each key expects:
  otp_code                  code, minutes
  pass_issued               pass_code, office, valid_until, url
  appointment_confirmed     official, office, when, reference
  appointment_reminder      official, office, when
  service_request_received  service, tracking_number, url

SMS templates carry placeholder DLT template ids ("pending-..."); the SMS gateway refuses to
send them until an administrator enters the ids registered on the DLT platform. WhatsApp
templates name the templates to be approved by Meta under the same names.
"""

from django.db import migrations

from civicgate.notify.defaults import load_templates, sms_rows, unload_templates, whatsapp_rows

SIGNATURE = {
    "en": "Kolkata Municipal Corporation",
    "bn": "কলকাতা পৌরসংস্থা",
    "hi": "कोलकाता नगर निगम",
}

SMS = {
    "otp_code": {
        "en": "{code} is your CivicGate verification code. It is valid for {minutes} minutes. Do not share it with anyone. - KMC",
        "bn": "{code} আপনার CivicGate যাচাইকরণ কোড। এটি {minutes} মিনিট বৈধ থাকবে। কারও সঙ্গে শেয়ার করবেন না। - কলকাতা পৌরসংস্থা",
        "hi": "{code} आपका CivicGate सत्यापन कोड है। यह {minutes} मिनट तक मान्य है। इसे किसी के साथ साझा न करें। - कोलकाता नगर निगम",
    },
    "pass_issued": {
        "en": "Your KMC gate pass {pass_code} for {office} is valid until {valid_until}. Show the QR code at the gate: {url} - KMC",
        "bn": "{office}-এর জন্য আপনার গেট পাস {pass_code} {valid_until} পর্যন্ত বৈধ। গেটে QR কোডটি দেখান: {url} - কলকাতা পৌরসংস্থা",
        "hi": "{office} के लिए आपका गेट पास {pass_code} {valid_until} तक मान्य है। गेट पर QR कोड दिखाएँ: {url} - कोलकाता नगर निगम",
    },
    "appointment_confirmed": {
        "en": "Your appointment {reference} with {official}, {office}, is confirmed for {when}. Please arrive 15 minutes early. - KMC",
        "bn": "{office}-এ {official}-এর সঙ্গে আপনার সাক্ষাৎ ({reference}) {when} নিশ্চিত হয়েছে। অনুগ্রহ করে ১৫ মিনিট আগে আসুন। - কলকাতা পৌরসংস্থা",
        "hi": "{office} में {official} के साथ आपकी मुलाक़ात ({reference}) {when} के लिए पक्की हो गई है। कृपया 15 मिनट पहले पहुँचें। - कोलकाता नगर निगम",
    },
    "appointment_reminder": {
        "en": "Reminder: your appointment with {official}, {office}, is at {when}. Please bring your gate pass. - KMC",
        "bn": "মনে করিয়ে দিচ্ছি: {office}-এ {official}-এর সঙ্গে আপনার সাক্ষাৎ {when}। অনুগ্রহ করে গেট পাস সঙ্গে আনুন। - কলকাতা পৌরসংস্থা",
        "hi": "याद दिला दें: {office} में {official} के साथ आपकी मुलाक़ात {when} है। कृपया अपना गेट पास साथ लाएँ। - कोलकाता नगर निगम",
    },
    "service_request_received": {
        "en": "We have received your {service} request. Tracking number: {tracking_number}. Follow it at {url} - KMC",
        "bn": "আপনার {service} আবেদন আমরা পেয়েছি। ট্র্যাকিং নম্বর: {tracking_number}। অগ্রগতি দেখুন: {url} - কলকাতা পৌরসংস্থা",
        "hi": "आपका {service} अनुरोध हमें मिल गया है। ट्रैकिंग नंबर: {tracking_number}। प्रगति देखें: {url} - कोलकाता नगर निगम",
    },
}

WHATSAPP = {
    # Meta's authentication templates have fixed words and a copy-code button; only the code is
    # a parameter, and the expiry line is set when the template is created.
    "otp_code": {
        "en": "*{code}* is your verification code. For your security, do not share this code. This code expires in {minutes} minutes.",
        "bn": "*{code}* আপনার যাচাইকরণ কোড। নিরাপত্তার জন্য এই কোডটি কাউকে জানাবেন না। কোডটির মেয়াদ {minutes} মিনিট।",
        "hi": "*{code}* आपका सत्यापन कोड है। अपनी सुरक्षा के लिए यह कोड किसी को न बताएँ। यह कोड {minutes} मिनट में समाप्त हो जाएगा।",
    },
    "pass_issued": {
        "en": "Your gate pass for {office} is ready.\nPass number: {pass_code}\nValid until: {valid_until}\nShow the QR code at the gate: {url}",
        "bn": "{office}-এর জন্য আপনার গেট পাস তৈরি।\nপাস নম্বর: {pass_code}\nবৈধ থাকবে: {valid_until} পর্যন্ত\nগেটে QR কোডটি দেখান: {url}",
        "hi": "{office} के लिए आपका गेट पास तैयार है।\nपास नंबर: {pass_code}\nमान्य: {valid_until} तक\nगेट पर QR कोड दिखाएँ: {url}",
    },
    "appointment_confirmed": {
        "en": "Your appointment is confirmed.\nWith: {official}\nWhere: {office}\nWhen: {when}\nReference: {reference}\nPlease arrive 15 minutes early. Your gate pass comes in a separate message.",
        "bn": "আপনার সাক্ষাৎ নিশ্চিত হয়েছে।\nকার সঙ্গে: {official}\nকোথায়: {office}\nকখন: {when}\nরেফারেন্স: {reference}\nঅনুগ্রহ করে ১৫ মিনিট আগে আসুন। আপনার গেট পাস আলাদা বার্তায় পাঠানো হবে।",
        "hi": "आपकी मुलाक़ात पक्की हो गई है।\nकिनसे: {official}\nकहाँ: {office}\nकब: {when}\nसंदर्भ: {reference}\nकृपया 15 मिनट पहले पहुँचें। आपका गेट पास अलग संदेश में भेजा जाएगा।",
    },
    "appointment_reminder": {
        "en": "Reminder: your appointment with {official} at {office} is at {when}. Please bring your gate pass and arrive 15 minutes early.",
        "bn": "মনে করিয়ে দিচ্ছি: {office}-এ {official}-এর সঙ্গে আপনার সাক্ষাৎ {when}। অনুগ্রহ করে গেট পাস সঙ্গে আনুন এবং ১৫ মিনিট আগে পৌঁছান।",
        "hi": "याद दिला दें: {office} में {official} के साथ आपकी मुलाक़ात {when} है। कृपया अपना गेट पास साथ लाएँ और 15 मिनट पहले पहुँचें।",
    },
    "service_request_received": {
        "en": "We have received your {service} request.\nTracking number: {tracking_number}\nFollow its progress here: {url}",
        "bn": "আপনার {service} আবেদন আমরা পেয়েছি।\nট্র্যাকিং নম্বর: {tracking_number}\nঅগ্রগতি এখানে দেখুন: {url}",
        "hi": "आपका {service} अनुरोध हमें मिल गया है।\nट्रैकिंग नंबर: {tracking_number}\nप्रगति यहाँ देखें: {url}",
    },
}

EMAIL = {
    "pass_issued": {
        "en": (
            "Your gate pass {pass_code} for {office}",
            "Dear visitor,\n\nYour gate pass for {office} is ready.\n\nPass number: {pass_code}\nValid until: {valid_until}\n\n"
            "Open the pass and show its QR code at the gate:\n{url}\n\nPlease carry an identity document with your photo.",
        ),
        "bn": (
            "{office}-এর জন্য আপনার গেট পাস {pass_code}",
            "প্রিয় দর্শনার্থী,\n\n{office}-এর জন্য আপনার গেট পাস তৈরি হয়েছে।\n\nপাস নম্বর: {pass_code}\nবৈধ থাকবে: {valid_until} পর্যন্ত\n\n"
            "পাসটি খুলে গেটে তার QR কোড দেখান:\n{url}\n\nঅনুগ্রহ করে ছবিসহ একটি পরিচয়পত্র সঙ্গে রাখুন।",
        ),
        "hi": (
            "{office} के लिए आपका गेट पास {pass_code}",
            "प्रिय आगंतुक,\n\n{office} के लिए आपका गेट पास तैयार है।\n\nपास नंबर: {pass_code}\nमान्य: {valid_until} तक\n\n"
            "पास खोलें और गेट पर उसका QR कोड दिखाएँ:\n{url}\n\nकृपया फ़ोटो वाला कोई पहचान पत्र साथ रखें।",
        ),
    },
    "appointment_confirmed": {
        "en": (
            "Appointment confirmed: {official}, {when}",
            "Dear citizen,\n\nYour appointment is confirmed.\n\nWith: {official}\nWhere: {office}\nWhen: {when}\nReference: {reference}\n\n"
            "Please arrive 15 minutes early. Your gate pass is sent in a separate message.",
        ),
        "bn": (
            "সাক্ষাৎ নিশ্চিত: {official}, {when}",
            "প্রিয় নাগরিক,\n\nআপনার সাক্ষাৎ নিশ্চিত হয়েছে।\n\nকার সঙ্গে: {official}\nকোথায়: {office}\nকখন: {when}\nরেফারেন্স: {reference}\n\n"
            "অনুগ্রহ করে ১৫ মিনিট আগে আসুন। আপনার গেট পাস আলাদা বার্তায় পাঠানো হবে।",
        ),
        "hi": (
            "मुलाक़ात पक्की: {official}, {when}",
            "प्रिय नागरिक,\n\nआपकी मुलाक़ात पक्की हो गई है।\n\nकिनसे: {official}\nकहाँ: {office}\nकब: {when}\nसंदर्भ: {reference}\n\n"
            "कृपया 15 मिनट पहले पहुँचें। आपका गेट पास अलग संदेश में भेजा जाएगा।",
        ),
    },
    "appointment_reminder": {
        "en": (
            "Reminder: appointment with {official}, {when}",
            "Dear citizen,\n\nThis is a reminder of your appointment.\n\nWith: {official}\nWhere: {office}\nWhen: {when}\n\n"
            "Please bring your gate pass and arrive 15 minutes early.",
        ),
        "bn": (
            "মনে করিয়ে দিচ্ছি: {official}-এর সঙ্গে সাক্ষাৎ, {when}",
            "প্রিয় নাগরিক,\n\nআপনার সাক্ষাতের কথা মনে করিয়ে দিচ্ছি।\n\nকার সঙ্গে: {official}\nকোথায়: {office}\nকখন: {when}\n\n"
            "অনুগ্রহ করে গেট পাস সঙ্গে আনুন এবং ১৫ মিনিট আগে পৌঁছান।",
        ),
        "hi": (
            "याद दिला दें: {official} से मुलाक़ात, {when}",
            "प्रिय नागरिक,\n\nआपकी मुलाक़ात की याद दिला रहे हैं।\n\nकिनसे: {official}\nकहाँ: {office}\nकब: {when}\n\n"
            "कृपया अपना गेट पास साथ लाएँ और 15 मिनट पहले पहुँचें।",
        ),
    },
    "service_request_received": {
        "en": (
            "Request received: {tracking_number}",
            "Dear citizen,\n\nWe have received your {service} request.\n\nTracking number: {tracking_number}\n\n"
            "You can follow its progress here:\n{url}",
        ),
        "bn": (
            "আবেদন গৃহীত: {tracking_number}",
            "প্রিয় নাগরিক,\n\nআপনার {service} আবেদন আমরা পেয়েছি।\n\nট্র্যাকিং নম্বর: {tracking_number}\n\n"
            "অগ্রগতি এখানে দেখতে পারবেন:\n{url}",
        ),
        "hi": (
            "अनुरोध प्राप्त: {tracking_number}",
            "प्रिय नागरिक,\n\nआपका {service} अनुरोध हमें मिल गया है।\n\nट्रैकिंग नंबर: {tracking_number}\n\n"
            "आप इसकी प्रगति यहाँ देख सकते हैं:\n{url}",
        ),
    },
}


def rows() -> list[dict[str, str]]:
    otp = {"whatsapp_parameters": "code", "whatsapp_button_parameter": "code"}
    out = sms_rows(SMS) + whatsapp_rows(WHATSAPP, extra={"otp_code": otp})
    for key, by_language in EMAIL.items():
        for language, (subject, body) in by_language.items():
            out.append({"key": key, "language": language, "channel": "email", "subject": subject,
                        "body": f"{body}\n\n{SIGNATURE[language]}"})
    return out


def load(apps, schema_editor):
    load_templates(apps, rows())


def unload(apps, schema_editor):
    unload_templates(apps, rows())


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_template_whatsapp_parameters")]

    operations = [migrations.RunPython(load, unload)]
