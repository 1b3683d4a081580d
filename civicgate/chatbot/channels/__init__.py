"""Channels: adapters between the outside (web chat, WhatsApp, terminal) and the dialogue."""
