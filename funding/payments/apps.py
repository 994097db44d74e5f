from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "funding.payments"
    label = "payments"
    verbose_name = "Payments"
