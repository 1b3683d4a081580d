"""E-mail through Django's mail backend (SMTP in production, the console in development)."""

import smtplib
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from civicgate.notify.backends import SendError
from civicgate.notify.models import OutboundMessage


class EmailBackend:
    def send(self, message: OutboundMessage) -> str:
        sender_domain = (
            parseaddr(settings.DEFAULT_FROM_EMAIL)[1].partition("@")[2] or "civicgate.local"
        )
        message_id = make_msgid(idstring=message.code, domain=sender_domain)
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id},
        )
        try:
            get_connection(timeout=settings.NOTIFY_HTTP_TIMEOUT_SECONDS).send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(
                f"Mail server refused the address: {_first_refusal(exc)}", retryable=False
            ) from exc
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            # 4xx replies are temporary by definition (RFC 5321); 5xx are final.
            raise SendError(
                f"Mail server answered {exc.smtp_code}: {text}",
                retryable=400 <= exc.smtp_code < 500,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(
                f"Mail server unreachable: {exc.__class__.__name__}", retryable=True
            ) from exc
        return message_id.strip("<>")


def _first_refusal(exc: smtplib.SMTPRecipientsRefused) -> str:
    for code, text in exc.recipients.values():
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return "no reason given"
