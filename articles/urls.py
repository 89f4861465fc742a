from django.urls import path

from articles import views

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<int:pk>/", views.article, name="article"),
    path("articles/<int:pk>/versions/<int:number>/", views.version, name="version"),
    path("articles/<int:pk>/diff/<int:a>/<int:b>/", views.diff, name="diff"),
]
