from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "fieldwork"
    verbose_name = "Fieldwork"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sites.services import consent_impact_providers

        from . import audit
        from .services import consent_impact

        if consent_impact not in consent_impact_providers:
            consent_impact_providers.append(consent_impact)
        audit.register()
