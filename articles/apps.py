from django.apps import AppConfig
from django.urls import register_converter


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Tracked articles"

    def ready(self) -> None:
        from articles.params import NumberConverter

        # Before any URLconf is read: the routes' ids and version numbers are <number:...>.
        register_converter(NumberConverter, "number")
