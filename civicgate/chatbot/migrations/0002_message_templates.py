"""The chatbot's message templates in English, Bengali and Hindi.

chat_followup (WhatsApp)  reply
    Sent when the helpdesk or the bot writes to a citizen more than 24 hours after the
    citizen's last message: WhatsApp then accepts only a template approved by Meta, here
    "kmc_chat_followup" with the reply as its one parameter.
"""

from django.db import migrations

from civicgate.notify.defaults import load_templates, unload_templates, whatsapp_rows

FOLLOWUP = {
    "en": "KMC helpdesk has replied to your question:\n{reply}\nReply to this message to continue the conversation.",
    "bn": "আপনার প্রশ্নের উত্তর দিয়েছে KMC হেল্পডেস্ক:\n{reply}\nকথোপকথন চালিয়ে যেতে এই বার্তার উত্তর দিন।",
    "hi": "KMC हेल्पडेस्क ने आपके प्रश्न का उत्तर दिया है:\n{reply}\nबातचीत जारी रखने के लिए इस संदेश का उत्तर दें।",
}


def rows():
    return whatsapp_rows(
        {"chat_followup": FOLLOWUP}, extra={"chat_followup": {"whatsapp_parameters": "reply"}}
    )


def load(apps, schema_editor):
    load_templates(apps, rows())


def unload(apps, schema_editor):
    unload_templates(apps, rows())


class Migration(migrations.Migration):
    dependencies = [("chatbot", "0001_initial"), ("notify", "0003_default_templates")]

    operations = [migrations.RunPython(load, unload)]
