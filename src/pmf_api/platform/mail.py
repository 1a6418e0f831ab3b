"""Sending e-mail through the council's SMTP server (settings ``PMF_SMTP_*``).

The standard library's ``smtplib`` runs in a worker thread so the event loop never blocks. A
failure (server down, refused login, refused recipient) raises :class:`MailError`; the caller keeps
the message and tries again later.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from pmf_api.config import Settings


class MailError(Exception):
    """The message was not accepted by the SMTP server; nothing was sent."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    message_id: str  # stable across retries, so a receiving system can drop a duplicate


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.smtp_from)


def build(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from or ""
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a digest
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def _send(settings: Settings, message: EmailMessage) -> None:
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username is not None and settings.smtp_password is not None:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


async def send(settings: Settings, mail: Mail) -> None:
    """Send ``mail`` or raise :class:`MailError` saying why not."""
    if not mail_configured(settings):
        raise MailError("No SMTP server is configured (PMF_SMTP_HOST, PMF_SMTP_FROM)")
    try:
        await asyncio.to_thread(_send, settings, build(settings, mail))
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:500]) from exc
