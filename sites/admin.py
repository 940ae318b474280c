"""The Django admin, for staff. It never bypasses the services: models whose changes are
audited (or that feed denormalised data, such as a turn's speaker feeding
`Coding.participant`) are either read-only here, changed on the app's own pages, or saved
through the same service the pages use (memberships: project-wide leads have no other page).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from . import services
from .access import ApplicationError
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: change it on the app's pages, where the services audit it
    and keep what depends on it in step."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline:
    """Mixin for inlines of read-only admins."""

    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "local_authority", "team_type"]
    search_fields = ["code", "name"]


@admin.register(Profession, Agency)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]


class ConsentRecordInline(ReadOnlyInline, admin.TabularInline):
    model = ConsentRecord
    fields = ["scope", "decision", "effective_date", "note", "recorded_by", "recorded_at"]
    readonly_fields = fields


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ["pseudonym", "site", "profession", "agency", "level"]
    list_filter = ["site", "profession", "level"]
    search_fields = ["pseudonym", "job_title"]
    inlines = [ConsentRecordInline]


@admin.register(ResearchPhase)
class ResearchPhaseAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "start", "end"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Saved through `membership_set` / `membership_remove`, so every change is audited.
    Once a membership exists only its role changes (a different user or site is a new one)."""

    list_display = ["user", "site", "role"]
    list_filter = ["site", "role"]
    actions = None  # no bulk delete: each removal goes through the service

    def get_readonly_fields(self, request, obj=None):
        return ("user", "site", "created_at") if obj else ("created_at",)

    def save_model(self, request, obj, form, change) -> None:
        saved = services.membership_set(
            user=obj.user, site=obj.site, role=obj.role, actor=request.user
        )
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def delete_model(self, request, obj) -> None:
        try:
            services.membership_remove(membership=obj, actor=request.user)
        except ApplicationError as exc:
            raise PermissionDenied(str(exc)) from None


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "verb", "object_repr", "site"]
    list_filter = ["verb", "site"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
