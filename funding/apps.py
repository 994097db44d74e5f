from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "Funding engine"

    def ready(self):
        from funding.la_imports import register_kinds

        register_kinds()  # budget lines and cluster memberships join the LA data imports

        from funding.timeline import register

        register()  # the pupil timeline's money and the home page items (schools.extensions)
