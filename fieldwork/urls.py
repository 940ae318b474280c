from django.urls import path

from . import views

app_name = "fieldwork"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("sources/<int:pk>/", views.source_detail, name="source-detail"),
    path("sources/<int:pk>/edit/", views.source_edit, name="source-edit"),
    path("sources/<int:pk>/autosave/", views.observation_autosave, name="observation-autosave"),
    path("sources/<int:pk>/transcript/", views.transcript_upload, name="transcript-upload"),
    path("sources/<int:pk>/speakers/", views.source_speakers, name="source-speakers"),
    path("sources/<int:pk>/attribute/", views.source_attribute, name="source-attribute"),
    path(
        "sources/<int:pk>/anonymisation/",
        views.source_anonymisation,
        name="source-anonymisation",
    ),
    path("<slug:code>/", views.site_fieldwork, name="site-fieldwork"),
    path("<slug:code>/observations/new/", views.observation_create, name="observation-create"),
    path("<slug:code>/interviews/new/", views.interview_create, name="interview-create"),
    path("<slug:code>/documents/new/", views.document_create, name="document-create"),
    path("<slug:code>/imports/", views.import_list, name="import-list"),
    path("<slug:code>/imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("<slug:code>/imports/<int:pk>/retry/", views.import_retry, name="import-retry"),
    path("<slug:code>/imports/<int:pk>/original/", views.import_original, name="import-original"),
    path("<slug:code>/imports/<int:pk>/purge/", views.import_purge, name="import-purge"),
    path("<slug:code>/replacements/", views.replacement_list, name="replacement-list"),
    path(
        "<slug:code>/replacements/<int:pk>/delete/",
        views.replacement_delete,
        name="replacement-delete",
    ),
]
