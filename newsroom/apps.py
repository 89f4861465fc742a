from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """Demo and benchmark tooling, kept out of the tracker's own app: it has no models, only a command."""

    name = "newsroom"
    verbose_name = "Simulated newsroom"
