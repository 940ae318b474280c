from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "fieldwork"
    verbose_name = "Fieldwork"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sites.selectors import consent_flag_providers
        from sites.services import consent_impact_providers

        from . import audit
        from .selectors import unmapped_speaker_flags
        from .services import consent_impact

        if consent_impact not in consent_impact_providers:
            consent_impact_providers.append(consent_impact)
        audit.register()
        if unmapped_speaker_flags not in consent_flag_providers:
            consent_flag_providers.append(unmapped_speaker_flags)
