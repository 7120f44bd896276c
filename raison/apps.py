from django.apps import AppConfig


class RaisonConfig(AppConfig):
    """The project package: its management commands, the one-time tokens of create forms,
    and the watch that keeps the page cache honest."""

    name = "raison"
    verbose_name = "Raison"

    def ready(self) -> None:
        from raison import pagecache

        pagecache.install()
