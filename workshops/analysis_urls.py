"""The analysis area of a site, under /sites/<code>/analysis/.

Included at "sites/" (dwr_project/urls.py) with the site code in each pattern, rather than
with the code in the include's prefix, so every pattern names its own `code` converter: the
generated access matrix reads a pattern's converters to build its URL."""

from django.urls import path

from . import analysis_views as views

app_name = "analysis"

P = "<slug:code>/analysis/"

urlpatterns = [
    path(P, views.index, name="index"),
    path(P + "models/new/", views.model_create, name="model-create"),
    path(P + "models/<int:pk>/", views.model_detail, name="model-detail"),
    path(P + "models/<int:pk>/edit/", views.model_edit, name="model-edit"),
    path(P + "models/<int:pk>/triangle.svg", views.model_svg, name="model-svg"),
    path(P + "models/<int:pk>/new-version/", views.model_new_version, name="model-new-version"),
    path(P + "models/<int:pk>/entries/new/", views.model_entry_create, name="model-entry-create"),
    path(P + "entries/<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path(P + "entries/<int:pk>/delete/", views.entry_delete, name="entry-delete"),
    path(P + "shared-objects/new/", views.shared_object_create, name="shared-object-create"),
    path(P + "shared-objects/<int:pk>/", views.shared_object_detail, name="shared-object-detail"),
    path(
        P + "shared-objects/<int:pk>/diagram.svg", views.shared_object_svg, name="shared-object-svg"
    ),
    path(P + "disturbances/new/", views.disturbance_create, name="disturbance-create"),
    path(P + "disturbances/<int:pk>/", views.disturbance_detail, name="disturbance-detail"),
    path(P + "contradictions/new/", views.contradiction_create, name="contradiction-create"),
    path(P + "contradictions/<int:pk>/", views.contradiction_detail, name="contradiction-detail"),
    path(
        P + "contradictions/<int:pk>/status/",
        views.contradiction_status,
        name="contradiction-status",
    ),
    path(P + "experiments/new/", views.experiment_create, name="experiment-create"),
    path(P + "experiments/<int:pk>/edit/", views.experiment_edit, name="experiment-edit"),
]
