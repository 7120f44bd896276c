from django.apps import AppConfig


class RaisonConfig(AppConfig):
    """The project package: its management commands and the one-time tokens of create forms."""

    name = "raison"
    verbose_name = "Raison"
