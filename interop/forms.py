"""The upload form of the Import page and the choices of the Export menu."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from interop import formats
from org import roles
from org.models import Unit

#: The largest file the Import page accepts; bigger models go through the command line.
MAX_UPLOAD = 20 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One file, or Archi's three CSV files together."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:
                # No file at all (a post without the field): say so, as for one missing file.
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(item, initial) for item in data]
        return [single(data, initial)]


def _led_units(user):
    return Unit.objects.filter(pk__in=roles.executive_unit_ids(user)).order_by("name")


class ImportForm(forms.Form):
    file = MultipleFileField(
        label=_("File"),
        help_text=_(
            "ArchiMate (.xml), Archi (.archimate), Archi CSV (the three files, or a zip), StratML, CSV or XLSX."
        ),
    )
    format = forms.ChoiceField(label=_("Format"), choices=[], initial="auto")
    unit = forms.ModelChoiceField(label=_("Import into"), queryset=Unit.objects.none(), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(key, formats.LABELS[key]) for key in ("auto", *formats.FORMATS)]
        self.fields["unit"].queryset = _led_units(user)

    def clean_file(self):
        files = self.cleaned_data["file"]
        if sum(f.size for f in files) > MAX_UPLOAD:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB: import it with manage.py import_strategy.")
                % {"size": MAX_UPLOAD // (1024 * 1024)}
            )
        return files


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[])
    unit = forms.ModelChoiceField(
        label=_("What"), queryset=Unit.objects.none(), required=False, empty_label=_("Every unit I lead")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(key, formats.LABELS[key]) for key in formats.EXPORT_FORMATS]
        self.fields["unit"].queryset = _led_units(user)
