from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = "DWR workshops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sites import services as site_services
        from sites.signals import consent_recorded

        from . import services

        def on_consent_recorded(sender, *, participant, actor, decision, **kwargs) -> None:
            services.mirror_items_revoke_on_withdrawal(
                participant=participant, actor=actor, decision=decision
            )

        consent_recorded.connect(on_consent_recorded, weak=False, dispatch_uid="workshops")
        if services.consent_impact not in site_services.consent_impact_providers:
            site_services.consent_impact_providers.append(services.consent_impact)
