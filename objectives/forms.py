"""Forms for the objective pages: validation for a friendly message; the services decide."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from objectives import services
from objectives.models import Confidence, Direction, MetricKind, Objective, ObjectiveStatus
from org import roles
from org.models import Unit
from raison.web import OneTimeForm, SearchField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ObjectiveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Objective) -> str:
        return f"{obj.title} — {obj.unit.name} ({obj.get_status_display()})"


def _choices(parents):
    return parents.select_related("unit").order_by("title", "pk")


class VersionedForm(forms.Form):
    """Carries the version the person started from, so a stale save is refused (EditConflict)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def _owner_field(**kwargs) -> OwnerChoiceField:
    return OwnerChoiceField(
        # People who belong to the organisation (someone without a unit cannot answer for a goal).
        queryset=get_user_model()
        .objects.filter(is_active=True, memberships__isnull=False)
        .distinct()
        .order_by("first_name", "last_name", "username"),
        label=_("Owner"),
        help_text=_("The person who answers for this objective."),
        **kwargs,
    )


class _HorizonMixin:
    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end of the horizon cannot come before its start."))
        return cleaned


class ObjectiveCreateForm(_HorizonMixin, OneTimeForm):
    parent = ObjectiveChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        label=_("Parent objective"),
        empty_label=_("None — a strategic objective (executives only)"),
        help_text=_(
            "Only active objectives are listed: a sub-objective hangs under an active objective."
            " It belongs to one of your units."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    statement = forms.CharField(
        label=_("Statement"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why this objective exists, in plain words."),
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Owning unit"))
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (ObjectiveStatus.DRAFT, ObjectiveStatus.DRAFT.label),
            (ObjectiveStatus.ACTIVE, ObjectiveStatus.ACTIVE.label),
        ],
        initial=ObjectiveStatus.DRAFT,
    )
    owner = _owner_field(required=False, empty_label=_("Me"))
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        managed = roles.managed_unit_ids(user)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=managed).order_by("name")
        # Any allowed parent may take a sub-objective, as long as the new one belongs to a
        # unit this person manages (that is how managers hang their goals under the executives' roots).
        self.fields["parent"].queryset = _choices(services.allowed_parents())
        if not roles.is_executive(user):
            self.fields["parent"].required = True
            self.fields["parent"].empty_label = None

    def clean(self):
        cleaned = super().clean()
        parent, unit = cleaned.get("parent"), cleaned.get("unit")
        if unit is None:
            return cleaned
        if parent is None and "parent" not in self.errors and not roles.can_lead_unit(self.user, unit.pk):
            self.add_error(
                "parent",
                _("Only an executive of this unit can create a strategic objective: choose a parent objective."),
            )
        return cleaned


class ObjectiveEditForm(_HorizonMixin, VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    statement = forms.CharField(
        label=_("Statement"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why this objective exists, in plain words."),
    )
    owner = _owner_field(required=False, empty_label=_("Nobody yet"))
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())

    FIELDS = ("title", "statement", "owner", "starts_on", "ends_on")

    @classmethod
    def initial_for(cls, objective: Objective) -> dict:
        return {name: getattr(objective, name) for name in (*cls.FIELDS, "version")}


class ObjectiveStatusForm(VersionedForm):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=ObjectiveStatus.choices,
        help_text=_(
            "Archiving is refused while active objectives hang below this one: the page names them, so you"
            " can move or archive them first. Nothing is archived along with it."
        ),
    )


class ObjectiveReparentForm(VersionedForm):
    parent = ObjectiveChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        label=_("New parent objective"),
        empty_label=_("None — make it a strategic objective (executives only)"),
        error_messages={
            "invalid_choice": _(
                "Choose one of the objectives listed: only active objectives outside this one’s own branch"
                " can take it (the one you chose may have changed meanwhile)."
            )
        },
        help_text=_(
            "Only active objectives are listed, and neither this objective nor any below it: it moves with"
            " everything that hangs below it."
        ),
    )

    def __init__(self, *args, objective: Objective, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = _choices(services.allowed_parents(objective))


class ObjectiveFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("name"), required=False, label=_("Unit"), empty_label=_("All units")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ObjectiveStatus.choices]
    )
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)


# --- Query parameters (read with raison.web.read_query: an invalid one counts as absent) ---


class ObjectiveSearchQuery(forms.Form):
    q = SearchField()
    #: The radio buttons' name when the results sit inside a link form.
    name = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(choices=[("", ""), ("active", "active")], required=False)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        # A name that is not an identifier still asks for radio buttons: give them the usual one.
        return name if not name or re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", name) else "objective"


class ObjectiveChildrenQuery(forms.Form):
    collapse = forms.ChoiceField(choices=[("", ""), ("1", "1")], required=False)


class ObjectiveCreateQuery(forms.Form):
    #: The objective the new one goes under (the tree's "add a sub-objective" link).
    parent = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class ObjectiveStatusQuery(forms.Form):
    #: The status proposed by the link that led here ("Archive", "Activate").
    status = forms.ChoiceField(choices=[("", ""), *ObjectiveStatus.choices], required=False)


class KeyResultForm(forms.Form):
    """A key result's measure; the service fixes the scale of yes-or-no and milestones."""

    title = forms.CharField(label=_("Key result"), max_length=200, help_text=_("What will show the objective moves."))
    metric_kind = forms.ChoiceField(label=_("Kind of measure"), choices=MetricKind.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.INCREASE)
    start_value = forms.DecimalField(
        label=_("Start"), max_digits=18, decimal_places=4, initial=0, help_text=_("Where it stands today.")
    )
    target_value = forms.DecimalField(
        label=_("Target"),
        max_digits=18,
        decimal_places=4,
        help_text=_(
            "Where it should get to; for “keep between”, the upper bound. Ignored for yes-or-no and milestones."
        ),
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, help_text=_("For an amount: EUR, USD…")
    )
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, initial=1)
    owner = forms.ModelChoiceField(queryset=None, required=False, label=_("Owner"), help_text=_("Who checks in on it."))
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput())

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.get_username()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("metric_kind") in (MetricKind.BOOLEAN, MetricKind.MILESTONE):
            # Their scale is fixed; whatever the person typed in target does not matter.
            self.errors.pop("target_value", None)
            cleaned["target_value"] = None
        return cleaned


class KeyResultEditForm(VersionedForm, KeyResultForm):
    pass


class CheckInForm(forms.Form):
    value = forms.DecimalField(label=_("Value today"), max_digits=18, decimal_places=4)
    confidence = forms.ChoiceField(
        label=_("Confidence"), choices=Confidence.choices, widget=forms.RadioSelect, initial=Confidence.ON_TRACK
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What moved, what blocks it."),
    )
