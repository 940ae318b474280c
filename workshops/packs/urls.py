"""The pack's pages, added to the workshops URLconf (workshops/urls.py), so they share its
`workshops:` namespace and its /sites/<code>/workshops/ prefix."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "<slug:code>/workshops/sessions/<int:pk>/pack/",
        views.workshop_pack,
        name="workshop-pack",
    ),
    path(
        "<slug:code>/workshops/sessions/<int:pk>/pack/<str:fmt>/",
        views.workshop_pack_download,
        name="workshop-pack-download",
    ),
]
