"""Forms for means, practices, proposals and links; the services still decide, forms give the friendly message."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from objectives.models import Objective
from org.models import Role, Unit
from practices.models import Means, MeansKind, MeansStatus, Practice, PracticeStatus
from raison.web import OneTimeForm, SearchField

RATIONALE_HELP = _("One sentence: why does this link exist?")


class VersionedForm(forms.Form):
    """Carries the version the person started from, so a stale save is refused, not obeyed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeansForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeansKind.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What it is and how people use it."),
    )
    url = forms.URLField(
        label=_("Web address"),
        required=False,
        assume_scheme="https",
        help_text=_("Where the tool lives, for a technical means."),
    )

    field_order = ["name", "kind", "description", "url"]

    @classmethod
    def for_means(cls, means: Means) -> MeansForm:
        initial = {f: getattr(means, f) for f in ("name", "kind", "description", "url")}
        return cls(initial={**initial, "version": means.version})


class MeansCreateForm(OneTimeForm, MeansForm):
    unit = forms.ModelChoiceField(label=_("Owning unit"), queryset=Unit.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.order_fields(["name", "kind", "unit", "description", "url"])


class PracticeForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("A way people actually work together."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    personal_benefit = forms.CharField(
        label=_("What’s in it for the person who practises it"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Besides the organisation’s objective: time saved, recognition, learning, less stress…"),
    )

    field_order = ["name", "description", "personal_benefit"]

    @classmethod
    def for_practice(cls, practice: Practice) -> PracticeForm:
        return cls(
            initial={
                "name": practice.name,
                "description": practice.description,
                "personal_benefit": practice.personal_benefit,
                "version": practice.version,
            }
        )


class PracticeCreateForm(OneTimeForm, PracticeForm):
    unit = forms.ModelChoiceField(label=_("Owning unit"), queryset=Unit.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.order_fields(["name", "unit", "description", "personal_benefit"])


class ProposeForm(OneTimeForm):
    name = forms.CharField(
        label=_("Practice"),
        max_length=200,
        help_text=_("For example: “We publish our lessons learned in the wiki after each project.”"),
    )
    description = forms.CharField(
        label=_("Why it helps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you do, and what it brings to your team."),
    )
    personal_benefit = forms.CharField(
        label=_("What it brings you"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the person who practises it gains: colleagues deciding to join you will read it."),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Someone in several units says which one the proposal comes from: its managers
        # are the ones who decide on it. With one unit there is nothing to ask.
        if units is not None and len(units) > 1:
            self.fields["unit"] = forms.ModelChoiceField(
                label=_("From the unit"),
                queryset=units,
                empty_label=None,
                help_text=_("The managers of this unit will adopt or decline it."),
            )


class MeansStatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=MeansStatus.choices)


class PracticeStatusForm(VersionedForm):
    # Proposals are decided on the proposals page (adopt or decline), not by a status switch.
    status = forms.ChoiceField(
        label=_("Status"), choices=[(s.value, s.label) for s in (PracticeStatus.ACTIVE, PracticeStatus.RETIRED)]
    )


class RationaleForm(forms.Form):
    """A link: what it points to (``target``) and why."""

    target = ""
    #: The record the person picked, kept even when the service then refuses it, so the page shows it again.
    chosen = None

    def clean(self):
        cleaned = super().clean()
        self.chosen = cleaned.get(self.target)
        return cleaned

    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=300,
        help_text=RATIONALE_HELP,
        error_messages={"required": _("Say in one sentence why this link exists.")},
    )


class LinkObjectiveForm(RationaleForm):
    target = "objective"
    objective = forms.ModelChoiceField(
        label=_("Objective"),
        queryset=Objective.objects.all(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose an objective."),
            "invalid_choice": _("This objective no longer exists: search again."),
        },
    )

    field_order = ["objective", "rationale"]


class LinkMeansForm(RationaleForm):
    target = "means"
    means = forms.ModelChoiceField(
        label=_("Means"),
        queryset=Means.objects.all(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a means."),
            "invalid_choice": _("This means no longer exists: search again."),
        },
    )

    field_order = ["means", "rationale"]


class AdoptForm(LinkObjectiveForm):
    """Adopting a proposal links it to an objective; the service also requires that objective to be active."""


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("The person who proposed it will read this."),
        error_messages={"required": _("Tell the person who proposed it why it is declined.")},
    )


class PracticeRetireForm(forms.Form):
    """Retire from anywhere (the flags inbox): the version is optional there."""

    version = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class PractiseForm(forms.Form):
    practising = forms.BooleanField(required=False)
    reason = forms.CharField(
        label=_("Why you stopped (optional)"),
        required=False,
        max_length=500,
        help_text=_("Your managers read it: what got in the way, what would bring you back."),
    )


class AudienceForm(forms.Form):
    """Whom a practice or means is meant for: the denominator of its adoption."""

    units = forms.ModelMultipleChoiceField(
        label=_("Meant for the units"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Each unit counts with the units below it. None: its own unit and those below."),
    )
    role = forms.ChoiceField(label=_("Meant for the role"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.order_by("name", "pk")
        self.fields["role"].choices = [("", _("Every role")), *Role.choices]


class MeansFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *MeansKind.choices], required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *MeansStatus.choices], required=False)
    flagged = forms.ChoiceField(
        label=_("Flags"),
        choices=[("", pgettext_lazy("any flag", "All")), ("yes", _("Flagged")), ("no", _("Not flagged"))],
        required=False,
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        # The page loads the units once for the menu; the filter reuses them instead of querying again.
        self.units = {unit.pk: unit for unit in units}
        self.fields["unit"].choices = [
            ("", pgettext_lazy("any unit", "All")),
            *((unit.pk, unit.name) for unit in units),
        ]

    def filters(self) -> dict:
        """The valid filters; a bad value in one filter is ignored rather than emptying the list."""
        if not self.is_bound:
            return {"flagged": None}
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        flagged = {"yes": True, "no": False}.get(data.pop("flagged", None) or "")
        data["unit"] = self.units.get(data.get("unit"))
        return {**{k: v for k, v in data.items() if v not in (None, "")}, "flagged": flagged}

    def is_filtered(self) -> bool:
        filters = self.filters()
        return filters.pop("flagged") is not None or bool(filters)


class PracticeFilterForm(MeansFilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", pgettext_lazy("any practice status", "All")), *PracticeStatus.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


# --- Query parameters (read with raison.web.read_query: an invalid one counts as absent) ---


class RecordPageQuery(forms.Form):
    """A means or practice page: which region htmx asks for, and the searches of its link forms."""

    region = forms.ChoiceField(required=False)
    q = SearchField()
    means_q = SearchField()

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", ""), *((region, region) for region in sorted(regions))]


class MeansSearchQuery(forms.Form):
    means_q = SearchField()
    #: The radio buttons' name when the results sit inside a link form.
    name = forms.RegexField(regex=r"^[a-z][a-z_]{0,39}$", required=False)
    #: The practice whose page asks: the means it already relies on are left out.
    practice = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class ProposalsQuery(forms.Form):
    """Which proposal's objective search was submitted without JavaScript (``for``), and its text."""

    q = SearchField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "for" is a Python keyword: declared here rather than as a class attribute.
        self.fields["for"] = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
