"""The analysis area of a site, under /sites/<code>/analysis/ (see dwr_project/urls.py)."""

from django.urls import path

from . import analysis_views as views

app_name = "analysis"

urlpatterns = [
    path("", views.index, name="index"),
    path("models/new/", views.model_create, name="model-create"),
    path("models/<int:pk>/", views.model_detail, name="model-detail"),
    path("models/<int:pk>/edit/", views.model_edit, name="model-edit"),
    path("models/<int:pk>/triangle.svg", views.model_svg, name="model-svg"),
    path("models/<int:pk>/new-version/", views.model_new_version, name="model-new-version"),
    path("models/<int:pk>/entries/new/", views.model_entry_create, name="model-entry-create"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry-delete"),
    path("shared-objects/new/", views.shared_object_create, name="shared-object-create"),
    path("shared-objects/<int:pk>/", views.shared_object_detail, name="shared-object-detail"),
    path("shared-objects/<int:pk>/diagram.svg", views.shared_object_svg, name="shared-object-svg"),
    path("disturbances/new/", views.disturbance_create, name="disturbance-create"),
    path("disturbances/<int:pk>/", views.disturbance_detail, name="disturbance-detail"),
    path("contradictions/new/", views.contradiction_create, name="contradiction-create"),
    path("contradictions/<int:pk>/", views.contradiction_detail, name="contradiction-detail"),
    path(
        "contradictions/<int:pk>/status/",
        views.contradiction_status,
        name="contradiction-status",
    ),
    path("experiments/new/", views.experiment_create, name="experiment-create"),
    path("experiments/<int:pk>/edit/", views.experiment_edit, name="experiment-edit"),
]
