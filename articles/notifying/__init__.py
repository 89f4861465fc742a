"""Notifications of stored versions: what they say (messages), how a webhook is signed (signing), which
Apprise URLs a rule sends to and how they are shown (targets), the address guard over every connection a
send opens (guard), and the sending itself (sending). The rules, the deliveries and their states are
models (``NotificationRule``, ``Delivery``); the Celery tasks that send are in articles/tasks.py."""
