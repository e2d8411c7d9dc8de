"""The development channel: messages are written to the log instead of being sent."""

from __future__ import annotations

import logging

from marketplace.adapters.messaging.base import OutgoingMessage

log = logging.getLogger("marketplace.messages")


class LogChannel:
    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: OutgoingMessage) -> None:
        subject = f" [{message.subject}]" if message.subject else ""
        log.info("%s to %s%s: %s", self.name, message.to, subject, message.text)

    def close(self) -> None:
        pass
