from django.contrib import admin

from .models import AgreementExercise, Coding, Memo, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "codable", "retired", "order")
    list_filter = ("codable", "retired")
    search_fields = ("name", "definition")


@admin.register(Coding)
class CodingAdmin(admin.ModelAdmin):
    list_display = ("theme", "source", "site", "coder", "start", "end", "needs_review")
    list_filter = ("needs_review", "site")
    raw_id_fields = ("source", "theme", "coder")
    list_select_related = ("theme", "source", "site", "coder")


@admin.register(Memo)
class MemoAdmin(admin.ModelAdmin):
    list_display = ("__str__", "author", "created_at")
    raw_id_fields = ("theme", "source")


@admin.register(AgreementExercise)
class AgreementExerciseAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "blind", "closed")
    filter_horizontal = ("sources", "coders")
