from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "themes"
    verbose_name = "Themes and coding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Re-anchor codings when fieldwork edits a source's text (themes depends on
        # fieldwork, never the reverse, so fieldwork offers a hook list).
        try:
            from fieldwork.services import source_text_change_handlers
        except ImportError:  # fieldwork without the hook: nothing to register
            return
        from .services import on_source_text_change

        if on_source_text_change not in source_text_change_handlers:
            source_text_change_handlers.append(on_source_text_change)
