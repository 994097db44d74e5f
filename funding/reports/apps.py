from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "funding.reports"
    label = "reports"
    verbose_name = "Monitoring reports and budget"
