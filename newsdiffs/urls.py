from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from articles import views

urlpatterns = [
    path("", include("articles.urls")),
    path("healthz/", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("api/v1/", include("articles.api_urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
]
