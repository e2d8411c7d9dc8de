"""Notifications: telling people what happened, in the app, by text message and by e-mail.

A notification is a row written in the same transaction as the event that causes it (an order
placed, moved or paid, a livestream started, an OCOP decision, a certificate about to lapse), so
a rolled-back checkout tells nobody and a committed one always does; the in-app list shows it at
once. That row is the outbox: the worker (``flask worker``) gives it one delivery row per
channel the user chose (``sms``, ``email``), sends what is due through the adapters/messaging
channels outside any transaction, and retries failures with exponential backoff. No request
ever waits for a channel, nor looks up more than its event holds.

- ``events``: one call per event, made by the services where the events happen;
- ``outbox``: the notifications written with their events, and the deliveries made of them;
- ``messages``: what each notification says, in Vietnamese and English, and how it fits an SMS;
- ``delivery``: the worker's side: taking due rows, sending, recording, backing off;
- ``inbox``: the in-app list and marking it read;
- ``follows``: shops a user follows (told when their livestreams start);
- ``links``: the site's public address in links.
"""
