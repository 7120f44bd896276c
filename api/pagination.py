"""Cursor pagination: stable pages while integrations page through data that changes."""

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    # The primary key is unique and never changes: a cursor can never skip or repeat a row,
    # which ordering by a title someone may edit mid-walk could.
    ordering = "pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class NewestFirstPagination(IdCursorPagination):
    ordering = "-pk"
