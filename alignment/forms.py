"""Forms of the flags inbox and the strategy map."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alignment.models import Flag, FlagKind
from objectives.models import Objective, ObjectiveStatus
from org.models import Unit
from raison.web import SearchField


class FlagFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("acknowledged", _("Accepted exceptions")),
            ("resolved", pgettext_lazy("flags", "Resolved")),
        ],
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
    """What the map centres on: one objective (its chain and subtree) or one unit."""

    unit = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("name"), required=False, label=_("Unit"), empty_label=_("Top of the strategy")
    )
    objective = forms.ModelChoiceField(
        # Set by the "focus" links, never listed: an organisation can hold 100,000 objectives.
        queryset=Objective.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This objective does not exist (any more).")},
    )


class SearchForm(forms.Form):
    # A CharField also refuses NUL bytes, which PostgreSQL text cannot hold.
    q = forms.CharField(label=_("Search"), required=False, max_length=200, strip=True)


class BulkFlagForm(forms.Form):
    """One action on the flags ticked in the inbox."""

    ACKNOWLEDGE, ASSIGN = "acknowledge", "assign"
    action = forms.ChoiceField(choices=[(ACKNOWLEDGE, _("Accept as exceptions")), (ASSIGN, _("Assign"))])
    flags = forms.ModelMultipleChoiceField(
        queryset=Flag.objects.unresolved(),
        error_messages={
            "required": _("Tick the flags to act on first."),
            "invalid_choice": _("One of the ticked flags is already resolved: reload the inbox."),
        },
    )
    reason = forms.CharField(label=_("One reason for all of them"), max_length=500, required=False)
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True, memberships__isnull=False).distinct(),
        required=False,
        label=_("New owner"),
        empty_label=_("Choose a person"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = self.fields["owner"].queryset.order_by("first_name", "last_name", "username")
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.get_username()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.ACKNOWLEDGE and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why these are accepted exceptions."))
        if cleaned.get("action") == self.ASSIGN and cleaned.get("owner") is None:
            self.add_error("owner", _("Choose who will own them."))
        return cleaned


class ObjectiveLinkRecordForm(forms.Form):
    """From an objective's side: link one of the means or practices one manages to it."""

    record = forms.RegexField(
        regex=r"^(means|practice):[0-9]{1,12}$",
        label=_("Means or practice"),
        error_messages={
            "required": _("Choose the means or practice that serves it."),
            "invalid": _("Choose from the results."),
        },
    )
    rationale = forms.CharField(label=_("Why does it serve this objective? (one sentence)"), max_length=300)

    @property
    def kind_and_pk(self) -> tuple[str, int]:
        kind, pk = self.cleaned_data["record"].split(":")
        return kind, int(pk)


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
