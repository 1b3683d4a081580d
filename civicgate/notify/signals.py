"""Signals other apps connect to (the chatbot's WhatsApp channel listens for replies).

whatsapp_message_received: sent once for each incoming message in a verified webhook call,
with message (the Cloud API message object), contacts and metadata (phone_number_id). A
receiver that fails is logged and does not stop the others or the delivery reports.
"""

from django.dispatch import Signal

whatsapp_message_received = Signal()
