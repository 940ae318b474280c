"""Mounted at /reports/ (dwr_project/urls.py)."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("cross-site/", views.cross_site_report, name="cross-site"),
    path("cross-site/<str:fmt>/", views.cross_site_report_download, name="cross-site-download"),
]
