from django.urls import path

from . import views

app_name = "sites"

urlpatterns = [
    path("", views.site_list, name="site-list"),
    path("<slug:code>/", views.site_detail, name="site-detail"),
    path("<slug:code>/participants/new/", views.participant_create, name="participant-create"),
    path("<slug:code>/participants/<int:pk>/", views.participant_detail, name="participant-detail"),
    path(
        "<slug:code>/participants/<int:pk>/edit/", views.participant_edit, name="participant-edit"
    ),
    path("<slug:code>/participants/<int:pk>/consent/", views.consent_create, name="consent-create"),
    path("<slug:code>/members/", views.membership_list, name="membership-list"),
    path("<slug:code>/members/<int:pk>/remove/", views.membership_remove, name="membership-remove"),
    path("<slug:code>/audit/", views.audit_list, name="audit-list"),
]
