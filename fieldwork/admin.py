from django.contrib import admin

from .models import (
    AnonymisationEntry,
    FieldDocument,
    ImportJob,
    Interview,
    Observation,
    Replacement,
    Segment,
    Source,
)


class SegmentInline(admin.TabularInline):
    model = Segment
    fields = ("order", "speaker", "participant", "researcher", "start", "end", "start_ms")
    readonly_fields = ("start", "end")
    raw_id_fields = ("participant", "researcher")
    extra = 0


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("title", "site", "kind", "date", "created_by")
    list_filter = ("site", "kind")
    search_fields = ("title",)
    # Text and offsets change only through fieldwork.services (re-anchoring, audit).
    readonly_fields = ("text", "created_at", "updated_at")
    inlines = [SegmentInline]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("filename", "site", "kind", "status", "progress", "created_at")
    list_filter = ("status", "site", "kind")
    readonly_fields = [f.name for f in ImportJob._meta.fields]


@admin.register(Replacement)
class ReplacementAdmin(admin.ModelAdmin):
    list_display = ("original", "pseudonym", "site")
    list_filter = ("site",)


admin.site.register([Observation, Interview, FieldDocument])


@admin.register(AnonymisationEntry)
class AnonymisationEntryAdmin(admin.ModelAdmin):
    list_display = ("source", "original", "pseudonym", "count")
    readonly_fields = ("source", "original", "pseudonym", "count", "created_at")
