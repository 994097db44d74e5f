"""Celery app: broker from CELERY_BROKER_URL (Redis); with none configured tasks run eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sen_funding")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
