"""Mounted at /sites/<code>/workshops/ (dwr_project/urls.py, before the sites include)."""

from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("", views.series_list, name="series-list"),
    path("new/", views.series_create, name="series-create"),
    path("series/<int:pk>/", views.series_detail, name="series-detail"),
    path("series/<int:pk>/edit/", views.series_edit, name="series-edit"),
    path("series/<int:pk>/add-session/", views.series_add_session, name="series-add-session"),
    path("series/<int:pk>/calendar.ics", views.series_ics, name="series-ics"),
    path("sessions/<int:pk>/", views.workshop_detail, name="workshop-detail"),
    path("sessions/<int:pk>/plan/", views.workshop_edit, name="workshop-edit"),
    path("sessions/<int:pk>/calendar.ics", views.workshop_ics, name="workshop-ics"),
    path("sessions/<int:pk>/agenda/new/", views.activity_create, name="workshop-activity-create"),
    path("sessions/<int:pk>/held/", views.workshop_held, name="workshop-held"),
    path("sessions/<int:pk>/written-up/", views.workshop_written_up, name="workshop-written-up"),
    path("sessions/<int:pk>/summary/", views.workshop_summary, name="workshop-summary"),
    path("sessions/<int:pk>/mirror/", views.workshop_mirror, name="workshop-mirror"),
    path("sessions/<int:pk>/mirror/add/", views.workshop_mirror_add, name="workshop-mirror-add"),
    path(
        "sessions/<int:pk>/mirror/typed/", views.workshop_mirror_typed, name="workshop-mirror-typed"
    ),
    path("sessions/<int:pk>/board/", views.workshop_board, name="workshop-board"),
    path("sessions/<int:pk>/recording/", views.workshop_recording, name="workshop-recording"),
    path("sessions/<int:pk>/speakers/", views.workshop_speakers, name="workshop-speakers"),
    path("sessions/<int:pk>/showings/", views.workshop_showing, name="workshop-showing"),
    path("agenda/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("agenda/<int:pk>/delete/", views.activity_delete, name="activity-delete"),
    path("agenda/<int:pk>/move/", views.activity_move, name="activity-move"),
    path("mirror-items/<int:pk>/edit/", views.mirroritem_edit, name="mirroritem-edit"),
    path("mirror-items/<int:pk>/accept/", views.mirroritem_accept, name="mirroritem-accept"),
    path("mirror-items/<int:pk>/remove/", views.mirroritem_remove, name="mirroritem-remove"),
    path("mirror-items/<int:pk>/place/", views.mirroritem_place, name="mirroritem-place"),
]
