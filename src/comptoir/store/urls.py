from django.urls import path

from comptoir.store import views

app_name = "store"

_BASE = "cabinet/parametres/applications/"

urlpatterns = [
    path(_BASE, views.index, name="index"),
    path(f"{_BASE}nouvelle/", views.custom_app_create, name="custom_app_create"),
    path(f"{_BASE}catalogue/<slug:slug>/", views.app_detail, name="app_detail"),
    path(f"{_BASE}catalogue/<slug:slug>/ajouter/", views.install, name="install"),
    path(f"{_BASE}<id:pk>/modifier/", views.installation_edit, name="installation_edit"),
    path(f"{_BASE}<id:pk>/retirer/", views.installation_remove, name="installation_remove"),
    path(f"{_BASE}<id:pk>/deplacer/", views.tile_move, name="tile_move"),
]
