"""Forms for the objective pages: validation for a friendly message; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from objectives import selectors
from objectives.models import Objective, ObjectiveStatus
from org import roles
from org.models import Unit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ObjectiveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Objective) -> str:
        return f"{obj.title} — {obj.unit.name} ({obj.get_status_display()})"


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


class ObjectiveCreateForm(_HorizonMixin, forms.Form):
    parent = ObjectiveChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        label=_("Parent objective"),
        empty_label=_("None — a strategic objective (executives only)"),
        help_text=_("A sub-objective sits under an active objective; it belongs to one of your units."),
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
        # Any active objective may take a sub-objective, as long as the new one belongs to a
        # unit this person manages (that is how managers hang their goals under the executives' roots).
        self.fields["parent"].queryset = Objective.objects.active().select_related("unit").order_by("title", "pk")
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
    status = forms.ChoiceField(label=_("New status"), choices=ObjectiveStatus.choices)


class ObjectiveReparentForm(VersionedForm):
    parent = ObjectiveChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        label=_("New parent objective"),
        empty_label=_("None — make it a strategic objective (executives only)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Descendants stay in the list on purpose: choosing one gets a clear "loop" message.
        self.fields["parent"].queryset = selectors.parent_choices()


class ObjectiveFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("name"), required=False, label=_("Unit"), empty_label=_("All units")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ObjectiveStatus.choices]
    )
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)
