"""Means, practices and proposals: the pages where employees read *why* and managers link.

Every view is thin: find the record through one access helper (404/403), validate a form,
call a service, then render or redirect. With htmx a region of the page comes back
(``page.html#region``); without JavaScript every form posts and redirects.

One module per topic: ``means``, ``practices``, ``links`` (practice → objective,
practice → means, means → objective, with undo), ``proposals``; ``access`` finds records,
``pages`` holds the page models, ``undo`` what an unlink can put back.
"""

from practices.views.links import (
    means_link_objective,
    means_undo_unlink_objective,
    means_unlink_objective,
    practice_link_means,
    practice_link_objective,
    practice_undo_unlink_means,
    practice_undo_unlink_objective,
    practice_unlink_means,
    practice_unlink_objective,
)
from practices.views.means import means_create, means_detail, means_edit, means_list, means_search, means_status
from practices.views.practices import (
    practice_create,
    practice_detail,
    practice_edit,
    practice_list,
    practice_retire,
    practice_status,
    practise,
)
from practices.views.proposals import adopt, decline, proposals, propose

__all__ = [
    "adopt",
    "decline",
    "means_create",
    "means_detail",
    "means_edit",
    "means_link_objective",
    "means_list",
    "means_search",
    "means_status",
    "means_undo_unlink_objective",
    "means_unlink_objective",
    "practice_create",
    "practice_detail",
    "practice_edit",
    "practice_link_means",
    "practice_link_objective",
    "practice_list",
    "practice_retire",
    "practice_status",
    "practice_undo_unlink_means",
    "practice_undo_unlink_objective",
    "practice_unlink_means",
    "practice_unlink_objective",
    "practise",
    "proposals",
    "propose",
]
