from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Benchmarks of the engine and the pages; installed in development and CI, never in the image."""

    name = "benchmarks"
    verbose_name = "Benchmarks"
