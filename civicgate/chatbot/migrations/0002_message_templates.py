"""The chatbot's message templates in English, Bengali and Hindi.

chat_followup (WhatsApp)  reply
    Sent when the helpdesk or the bot writes to a citizen more than 24 hours after the
    citizen's last message: WhatsApp then accepts only a template approved by Meta, here
    "kmc_chat_followup" with the reply as its one parameter.
"""

from django.db import migrations

FOLLOWUP = {
    "en": "KMC helpdesk has replied to your question:\n{reply}\nReply to this message to continue the conversation.",
    "bn": "আপনার প্রশ্নের উত্তর দিয়েছে KMC হেল্পডেস্ক:\n{reply}\nকথোপকথন চালিয়ে যেতে এই বার্তার উত্তর দিন।",
    "hi": "KMC हेल्पडेस्क ने आपके प्रश्न का उत्तर दिया है:\n{reply}\nबातचीत जारी रखने के लिए इस संदेश का उत्तर दें।",
}


def rows():
    for language, body in FOLLOWUP.items():
        yield {
            "key": "chat_followup",
            "language": language,
            "channel": "whatsapp",
            "body": body,
            "whatsapp_template": "kmc_chat_followup",
            "whatsapp_parameters": "reply",
        }


def load(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for row in rows():
        lookup = {name: row.pop(name) for name in ("key", "language", "channel")}
        MessageTemplate.objects.get_or_create(**lookup, defaults=row)


def unload(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for row in rows():
        MessageTemplate.objects.filter(
            key=row["key"], language=row["language"], channel=row["channel"]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("chatbot", "0001_initial"), ("notify", "0003_default_templates")]

    operations = [migrations.RunPython(load, unload)]
