from django.contrib import admin

from .models import (
    Agency,
    AuditEvent,
    ConsentRecord,
    Membership,
    Participant,
    Profession,
    ResearchPhase,
    Site,
)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "local_authority", "team_type"]
    search_fields = ["code", "name"]


@admin.register(Profession, Agency)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]


class ConsentRecordInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    readonly_fields = ["recorded_by", "recorded_at"]
    can_delete = False


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "site", "profession", "agency", "level"]
    list_filter = ["site", "profession", "level"]
    search_fields = ["pseudonym", "job_title"]
    inlines = [ConsentRecordInline]


@admin.register(ResearchPhase)
class ResearchPhaseAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "start", "end"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "site", "role"]
    list_filter = ["site", "role"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "verb", "object_repr", "site"]
    list_filter = ["verb", "site"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
