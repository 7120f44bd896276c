"""Pagination that never counts a million rows.

Django's ``Paginator`` runs ``COUNT(*)`` over the whole filtered list on every page:
at a million practices that alone costs more than the page's budget. This one counts
at most ``cap`` + 1 rows (``SELECT count(*) FROM (… LIMIT cap + 1)``): beyond the cap
the page says "more than …" and the list stops at the cap's last page, where a filter
is the way on. Nobody reads page 401 of a list.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

#: Rows counted at most by a list's pagination.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int = COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _capped_count(self) -> int:
        queryset = self.object_list
        if hasattr(queryset, "values"):
            # Only the keys: no joins or annotations of the displayed rows are computed.
            return queryset.values("pk").order_by()[: self.cap + 1].count()
        return min(len(queryset), self.cap + 1)

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.cap)

    @property
    def capped(self) -> bool:
        """True when there are more rows than the pagination counts."""
        return self._capped_count > self.cap
