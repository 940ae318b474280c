from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = "DWR workshops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from sites import services as site_services
        from sites.models import Participant
        from sites.signals import consent_recorded

        from . import documents, services

        documents.register()

        def on_consent_recorded(sender, *, participant, actor, decision, **kwargs) -> None:
            services.mirror_items_revoke_on_withdrawal(
                participant=participant, actor=actor, decision=decision
            )

        consent_recorded.connect(on_consent_recorded, weak=False, dispatch_uid="workshops")

        def on_participant_delete(sender, *, instance, **kwargs) -> None:
            services.mirror_items_erase_for(participant=instance)

        pre_delete.connect(
            on_participant_delete,
            sender=Participant,
            weak=False,
            dispatch_uid="workshops-participant-erase",
        )
        if services.consent_impact not in site_services.consent_impact_providers:
            site_services.consent_impact_providers.append(services.consent_impact)
