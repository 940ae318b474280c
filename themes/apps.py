from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "themes"
    verbose_name = "Themes and coding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Re-anchor codings when fieldwork edits a source's text, and refresh their
        # denormalised participant when its speakers are re-mapped (themes depends on
        # fieldwork, never the reverse, so fieldwork offers hook lists).
        from fieldwork import services as fieldwork_services

        from . import audit
        from .services import on_source_speaker_change, on_source_text_change

        text_handlers = getattr(fieldwork_services, "source_text_change_handlers", None)
        if text_handlers is not None and on_source_text_change not in text_handlers:
            text_handlers.append(on_source_text_change)
        speaker_handlers = getattr(fieldwork_services, "speaker_change_handlers", None)
        if speaker_handlers is not None and on_source_speaker_change not in speaker_handlers:
            speaker_handlers.append(on_source_speaker_change)
        audit.register()

        # Documents made by workers: the kinds themes makes, and withdrawal of the made
        # documents that quote a participant who withdraws.
        from sites.models import ConsentDecision
        from sites.signals import consent_recorded

        from . import document_kinds, documents

        document_kinds.register()

        def on_consent_recorded(sender, *, participant, actor, decision, **kwargs) -> None:
            if decision in (ConsentDecision.WITHDRAWN, ConsentDecision.DECLINED):
                documents.documents_withdraw_for(participant_id=participant.pk, actor=actor)

        consent_recorded.connect(on_consent_recorded, weak=False, dispatch_uid="themes-documents")
