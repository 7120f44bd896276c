"""Forms of the flags inbox and the strategy map."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from alignment.models import FlagKind
from objectives.models import Objective, ObjectiveStatus
from org.models import Unit
from raison.web import SearchField


class FlagFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("open", _("Open")), ("acknowledged", _("Accepted exceptions")), ("resolved", _("Resolved"))],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *FlagKind.choices])
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("name"), required=False, label=_("Unit"), empty_label=_("All units")
    )
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label=_("Owner"), empty_label=_("Anyone")
    )
    scope = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("mine", _("Units I manage")), ("all", _("Whole organisation"))],
    )

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class AcknowledgeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this an accepted exception?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The flag stays visible with your reason; it stops counting as open."),
    )


class FlagLinkForm(forms.Form):
    """Give a flagged practice or means a purpose: link it to an objective, with a rationale."""

    objective = forms.ModelChoiceField(
        # Never rendered as a <select>: people pick through the search-as-you-type results.
        queryset=Objective.objects.exclude(status=ObjectiveStatus.ARCHIVED),
        label=_("Objective"),
        error_messages={
            "required": _("Choose the objective it serves."),
            "invalid_choice": _("Choose an objective from the search results."),
        },
    )
    rationale = forms.CharField(label=_("Why does it serve this objective? (one sentence)"), max_length=300)


class RetireForm(forms.Form):
    """A deliberate button: nothing to fill in."""


class MapFilterForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("name"), required=False, label=_("Unit"), empty_label=_("Whole organisation")
    )


class FlagPageQuery(forms.Form):
    """The no-JavaScript search of the resolve panel (read with raison.web.read_query)."""

    q = SearchField()


class AskForm(forms.Form):
    """A question on one record: which kind, which one, and the question itself."""

    subject_kind = forms.ChoiceField(
        choices=[("objective", "objective"), ("means", "means"), ("practice", "practice"), ("flag", "flag")],
        widget=forms.HiddenInput,
    )
    subject_id = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Your question"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: “Why do we still use this tool?” The managers of its unit will answer."),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class QuestionFilterForm(forms.Form):
    show = forms.ChoiceField(
        required=False,
        choices=[
            ("for_me", _("Waiting for my units")),
            ("mine", _("Asked by me")),
            ("answered", _("Answered")),
        ],
    )
