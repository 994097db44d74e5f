from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = "Clusters"

    def ready(self):
        # R15-R17: every allocation run also writes the year's Pupil Specific Funding lines.
        from clusters.selectors import psf_run_lines
        from funding.extensions import register_line_source

        register_line_source("PSF", psf_run_lines)

        # Loading a preset over a scheme resets the scheme's PSF rules and cluster pot too.
        from clusters.scheme_reset import MODEL_LABELS, reset_for_preset
        from funding.extensions import register_scheme_reset

        register_scheme_reset("clusters", reset_for_preset, models=MODEL_LABELS)

        # The schools list's cluster column and filter, a school's cluster, the home page items.
        from clusters.school_pages import register

        register()
