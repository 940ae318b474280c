"""Themes in the admin: read-only. The codebook, codings, memos and agreement exercises change
only on the app's pages, through themes.services (audit; a coding's denormalised site and
participant kept in step)."""

from django.contrib import admin

from sites.admin import ReadOnlyAdmin

from .models import AgreementExercise, Coding, Memo, Theme


@admin.register(Theme)
class ThemeAdmin(ReadOnlyAdmin):
    list_display = ("name", "parent", "codable", "retired", "order")
    list_filter = ("codable", "retired")
    search_fields = ("name", "definition")


@admin.register(Coding)
class CodingAdmin(ReadOnlyAdmin):
    list_display = ("theme", "source", "site", "coder", "start", "end", "needs_review")
    list_filter = ("needs_review", "site")
    list_select_related = ("theme", "source", "site", "coder")


@admin.register(Memo)
class MemoAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "author", "created_at")


@admin.register(AgreementExercise)
class AgreementExerciseAdmin(ReadOnlyAdmin):
    list_display = ("name", "site", "blind", "closed")
