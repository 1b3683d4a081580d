"""Outbound SMS, WhatsApp and e-mail through an outbox.

Other apps queue a message inside their own transaction and never talk to a provider:

    from civicgate.notify.outbox import enqueue
    enqueue("sms", "+919830012345", "otp_code", {"code": "123456", "minutes": 5}, language="bn")

`manage.py notify_worker` sends what is queued, retrying with backoff; delivery reports come
back through /notify/whatsapp/webhook/ and /notify/sms/delivery-report/. The context each
default template expects is listed in migrations/0003_default_templates.py.
"""
