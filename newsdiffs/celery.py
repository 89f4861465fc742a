"""The Celery application: every setting comes from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdiffs.settings")

app = Celery("newsdiffs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
