from django.apps import AppConfig


class RaisonConfig(AppConfig):
    """Installed only for its management commands; the project package holds no models."""

    name = "raison"
    verbose_name = "Raison"
