from django.urls import path

from . import views, views_documents

app_name = "themes"

urlpatterns = [
    path("codebook/", views.codebook, name="codebook"),
    path("codebook/new/", views.theme_create, name="theme-create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/co-occurrence/", views.dashboard_cooccurrence, name="dashboard-cooccurrence"),
    path(
        "dashboard/co-occurrence/passages/",
        views.cooccurrence_passages,
        name="cooccurrence-passages",
    ),
    path("<int:pk>/", views.theme_detail, name="theme-detail"),
    path("<int:pk>/export/<str:fmt>/", views.theme_export, name="theme-export"),
    path("<int:pk>/edit/", views.theme_edit, name="theme-edit"),
    path("<int:pk>/merge/", views.theme_merge, name="theme-merge"),
    path("<int:pk>/retire/", views.theme_retire, name="theme-retire"),
    path("<int:pk>/memos/new/", views.theme_memo_create, name="theme-memo-create"),
    path("sources/<int:pk>/code/", views.source_code, name="source-code"),
    path("sources/<int:pk>/turns/", views.source_turns_fragment, name="source-turns"),
    path("sources/<int:pk>/codings/", views.source_codings_json, name="source-codings"),
    path("sources/<int:pk>/codings/new/", views.coding_create, name="coding-create"),
    path("sources/<int:pk>/memos/new/", views.source_memo_create, name="source-memo-create"),
    path("codings/<int:pk>/delete/", views.coding_delete, name="coding-delete"),
    path("codings/<int:pk>/memo/", views.coding_memo, name="coding-memo"),
    path("memos/<int:pk>/delete/", views.memo_delete, name="memo-delete"),
    path("sites/<slug:code>/memos/", views.site_memos, name="site-memos"),
    path(
        "sites/<slug:code>/participants/<int:pk>/erase/",
        views.participant_erase,
        name="participant-erase",
    ),
    path("documents/", views_documents.document_list, name="documents"),
    path(
        "documents/<int:pk>/download/",
        views_documents.document_download,
        name="document-download",
    ),
    path(
        "documents/<int:pk>/regenerate/",
        views_documents.document_regenerate,
        name="document-regenerate",
    ),
    path("documents/<int:pk>/delete/", views_documents.document_delete, name="document-delete"),
    path("agreement/", views.agreement_list, name="agreement-list"),
    path("sites/<slug:code>/agreement/new/", views.agreement_create, name="agreement-create"),
    path("agreement/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreement/<int:pk>/close/", views.agreement_close, name="agreement-close"),
]
