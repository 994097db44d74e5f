from django.apps import AppConfig


class SpendConfig(AppConfig):
    name = "funding.spend"
    label = "spend"
    verbose_name = "SEN spend"
