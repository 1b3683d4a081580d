"""Development backend: writes the message to the log instead of sending it."""

import logging
import secrets

from civicgate.notify.models import OutboundMessage

logger = logging.getLogger("civicgate.notify.console")


class ConsoleBackend:
    def send(self, message: OutboundMessage) -> str:
        provider_id = f"console-{secrets.token_hex(8)}"
        logger.info(
            "%s to %s (%s, %s): %s",
            message.channel,
            message.masked_recipient,
            message.template_key or "-",
            message.language,
            message.body,
        )
        return provider_id
