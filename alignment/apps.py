from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlignmentConfig(AppConfig):
    name = "alignment"
    verbose_name = _("Alignment")

    def ready(self):
        from django.db.models.signals import post_migrate

        import alignment.live  # noqa: F401  (connects the change → re-check signals)
        from alignment.search import after_migrate

        # Any migration can rebuild a SQLite table and drop the search triggers with it.
        post_migrate.connect(after_migrate, dispatch_uid="raison-search-index")
