from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "themes"
    verbose_name = "Themes and coding"
    default_auto_field = "django.db.models.BigAutoField"
