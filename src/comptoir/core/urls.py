from django.urls import path

from comptoir.core import views

app_name = "core"

urlpatterns = [
    path("", views.start, name="start"),
]
