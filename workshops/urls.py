"""Mounted at /sites/ (dwr_project/urls.py, before the sites include): every path starts
<code>/workshops/, so the site's series are at /sites/<code>/workshops/ and each pattern
names its site (the access matrix reads the converters of each pattern)."""

from django.urls import path

from . import views
from .packs import urls as pack_urls

app_name = "workshops"

urlpatterns = [
    path("<slug:code>/workshops/", views.series_list, name="series-list"),
    path("<slug:code>/workshops/new/", views.series_create, name="series-create"),
    path("<slug:code>/workshops/series/<int:pk>/", views.series_detail, name="series-detail"),
    path("<slug:code>/workshops/series/<int:pk>/edit/", views.series_edit, name="series-edit"),
    path(
        "<slug:code>/workshops/series/<int:pk>/add-session/",
        views.series_add_session,
        name="series-add-session",
    ),
    path("<slug:code>/workshops/series/<int:pk>/calendar.ics", views.series_ics, name="series-ics"),
    path("<slug:code>/workshops/sessions/<int:pk>/", views.workshop_detail, name="workshop-detail"),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/plan/", views.workshop_edit, name="workshop-edit"
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/calendar.ics",
        views.workshop_ics,
        name="workshop-ics",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/agenda/new/",
        views.activity_create,
        name="workshop-activity-create",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/held/", views.workshop_held, name="workshop-held"
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/written-up/",
        views.workshop_written_up,
        name="workshop-written-up",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/summary/",
        views.workshop_summary,
        name="workshop-summary",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/mirror/",
        views.workshop_mirror,
        name="workshop-mirror",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/mirror/add/",
        views.workshop_mirror_add,
        name="workshop-mirror-add",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/mirror/typed/",
        views.workshop_mirror_typed,
        name="workshop-mirror-typed",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/board/",
        views.workshop_board,
        name="workshop-board",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/recording/",
        views.workshop_recording,
        name="workshop-recording",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/speakers/",
        views.workshop_speakers,
        name="workshop-speakers",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/showings/",
        views.workshop_showing,
        name="workshop-showing",
    ),
    path("<slug:code>/workshops/agenda/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path(
        "<slug:code>/workshops/agenda/<int:pk>/delete/",
        views.activity_delete,
        name="activity-delete",
    ),
    path("<slug:code>/workshops/agenda/<int:pk>/move/", views.activity_move, name="activity-move"),
    path(
        "<slug:code>/workshops/mirror-items/<int:pk>/edit/",
        views.mirroritem_edit,
        name="mirroritem-edit",
    ),
    path(
        "<slug:code>/workshops/mirror-items/<int:pk>/accept/",
        views.mirroritem_accept,
        name="mirroritem-accept",
    ),
    path(
        "<slug:code>/workshops/mirror-items/<int:pk>/remove/",
        views.mirroritem_remove,
        name="mirroritem-remove",
    ),
    path(
        "<slug:code>/workshops/mirror-items/<int:pk>/place/",
        views.mirroritem_place,
        name="mirroritem-place",
    ),
]

# The workshop pack's preview and downloads (workshops/packs/).
urlpatterns += pack_urls.urlpatterns
