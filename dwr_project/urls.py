from django.contrib import admin
from django.urls import include, path

from sites import views as site_views
from workshops import views as workshop_views

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", site_views.healthz, name="healthz"),
    path("audit/", site_views.project_audit, name="project-audit"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # Before the sites include: /sites/<code>/workshops/… and /sites/<code>/analysis/… reach
    # the workshops app.
    path("sites/", include("workshops.urls")),
    path("sites/", include("workshops.analysis_urls")),
    path("sites/", include("sites.urls")),
    path("fieldwork/", include("fieldwork.urls")),
    path("themes/", include("themes.urls")),
    path("workshops/", workshop_views.workshops_index, name="workshops-index"),
    path("reports/", include("workshops.reports.urls")),
]

handler404 = "sites.views.page_not_found"
handler403 = "sites.views.permission_denied"
