from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "funding.scenarios"
    label = "scenarios"
    verbose_name = "Scenarios"
