from django.contrib import admin
from django.urls import include, path

from sites import views as site_views

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", site_views.healthz, name="healthz"),
    path("audit/", site_views.project_audit, name="project-audit"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("sites/", include("workshops.analysis_urls")),
    path("sites/", include("sites.urls")),
    path("fieldwork/", include("fieldwork.urls")),
    path("themes/", include("themes.urls")),
]

handler404 = "sites.views.page_not_found"
handler403 = "sites.views.permission_denied"
