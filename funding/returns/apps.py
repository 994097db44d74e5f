from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "funding.returns"
    label = "returns"
    verbose_name = "Monthly returns"
