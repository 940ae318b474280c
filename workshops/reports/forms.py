"""The report page's selection form (GET): sites, phases, themes and source kinds as
checkboxes, all ticked by default; all phases (or all kinds) ticked means no phase (or
kind) filter, so undated sources stay in."""

from __future__ import annotations

from typing import cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from fieldwork.models import SourceKind
from sites.models import ResearchPhase, Site
from themes.selectors import codebook_tree

from . import EXCERPTS_PER_SITE, ReportSelection


class ReportForm(forms.Form):
    sites = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one site.",
            "invalid_choice": "There is no site %(value)s.",
        },
    )
    phases = forms.TypedMultipleChoiceField(
        label="Research phases",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one research phase.",
            "invalid_choice": "There is no research phase %(value)s.",
        },
        help_text="With every phase ticked, undated sources are included too.",
    )
    themes = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one theme.",
            "invalid_choice": "There is no codable theme %(value)s.",
        },
    )
    kinds = forms.MultipleChoiceField(
        label="Source kinds",
        choices=SourceKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one kind of source.",
            "invalid_choice": "There is no source kind %(value)s.",
        },
    )
    excerpts = forms.IntegerField(
        label="Excerpts per theme and site",
        min_value=1,
        max_value=5,
        initial=EXCERPTS_PER_SITE,
        error_messages={
            "min_value": "Show at least 1 excerpt per theme and site.",
            "max_value": "Show at most 5 excerpts per theme and site.",
            "invalid": "Give the number of excerpts per theme and site as a whole number.",
            "required": "Give the number of excerpts per theme and site.",
        },
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        sites = list(Site.objects.order_by("name"))
        phases = list(ResearchPhase.objects.order_by("number"))
        themes = [
            n.theme
            for n in codebook_tree(user=user, include_retired=False, counts={})
            if n.theme.codable
        ]
        self._choice("sites").choices = [(s.code, s.name) for s in sites]
        self._choice("phases").choices = [(p.number, f"{p.number}. {p.name}") for p in phases]
        self._choice("themes").choices = [(t.pk, t.name) for t in themes]
        self.fields["sites"].initial = [s.code for s in sites]
        self.fields["phases"].initial = [p.number for p in phases]
        self.fields["themes"].initial = [t.pk for t in themes]
        self.fields["kinds"].initial = list(SourceKind.values)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "report-selection"
        self.helper.add_input(Submit("preview", "Preview the report"))

    def _choice(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    def selection(self, user) -> ReportSelection:
        """The cleaned form as a `ReportSelection`; all ticked means no filter."""
        data = self.cleaned_data

        def narrowed(name: str) -> tuple:
            chosen = list(data[name])
            every = [value for value, _ in cast(list, self._choice(name).choices)]
            return () if {str(v) for v in chosen} == {str(v) for v in every} else tuple(chosen)

        return ReportSelection(
            user_id=user.pk,
            sites=narrowed("sites"),
            phases=narrowed("phases"),
            themes=narrowed("themes"),
            kinds=narrowed("kinds"),
            excerpts_per_site=data["excerpts"],
        )
