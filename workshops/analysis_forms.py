"""Forms of the analysis area. Every choice of a model, session, coding, mirror item or
disturbance is limited to the page's site, so evidence of another site cannot be chosen;
codings whose words are withheld by consent are not offered as new evidence."""

from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from sites.models import Participant, Site
from themes.models import Coding, consent_filter, excluded_participant_ids

from .models import (
    ActivitySystemModel,
    Contradiction,
    ContradictionLevel,
    ContradictionStatus,
    Disturbance,
    Element,
    ElementEntry,
    Experiment,
    ExperimentStatus,
    MirrorItem,
    TimeLayer,
    Workshop,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CodingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Coding) -> str:
        return f"{obj.theme.name} · {obj.source.title}, characters {obj.start}–{obj.end}"


class MirrorItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: MirrorItem) -> str:
        return f"{obj.title or 'Mirror item'} ({obj.source_title or obj.get_kind_display()})"


class WorkshopChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Workshop) -> str:
        when = f", {obj.date:%d %b %Y}" if obj.date else ""
        return f"{obj.series.title}: session {obj.number}, {obj.title}{when}"


class ModelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ActivitySystemModel) -> str:
        return f"{obj} — {obj.perspective}"


def site_workshops(site: Site):
    return Workshop.objects.filter(site=site).select_related("series").order_by("date", "pk")


def site_codings(site: Site):
    """The site's codings a user may cite: consent applied, light columns only (the
    source's text is never loaded for a label)."""
    return (
        Coding.objects.filter(site=site)
        .filter(consent_filter(excluded_participant_ids()))
        .select_related("theme", "source")
        .only("pk", "start", "end", "site_id", "theme__name", "source__title")
        .order_by("source__title", "start", "pk")
    )


def site_mirror_items(site: Site):
    excluded = excluded_participant_ids()
    return (
        MirrorItem.objects.filter(site=site)
        .exclude(speakers__in=excluded)
        .order_by("workshop_id", "order", "pk")
    )


EVIDENCE_HELP = "Hold Ctrl (or ⌘) to choose several."


def _evidence_fields(form: forms.Form, site: Site, *, mirror: bool = True) -> None:
    form.fields["evidence_codings"] = CodingChoiceField(
        queryset=site_codings(site),
        required=False,
        label="Evidence: coded excerpts",
        help_text=EVIDENCE_HELP,
        error_messages={"invalid_choice": "Choose coded excerpts of this site only."},
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    if mirror:
        form.fields["evidence_mirror_items"] = MirrorItemChoiceField(
            queryset=site_mirror_items(site),
            required=False,
            label="Evidence: mirror items",
            help_text=EVIDENCE_HELP,
            error_messages={"invalid_choice": "Choose mirror items of this site only."},
            widget=forms.SelectMultiple(attrs={"size": 4}),
        )


def _helper(form: forms.Form, label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class ActivityModelForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="For example: “Referral and allocation”.")
    layer = forms.ChoiceField(label="Time layer", choices=TimeLayer.choices)
    perspective = forms.CharField(
        max_length=200, help_text="Whose view the model takes: the team, a school, CAMHS…"
    )
    built_in = WorkshopChoiceField(
        queryset=Workshop.objects.none(),
        required=False,
        label="Built in session",
        empty_label="— not built in a session —",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, site: Site, submit: str = "Save model", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["built_in"].queryset = site_workshops(site)
        self.helper = _helper(self, submit)


class NewVersionForm(forms.Form):
    built_in = WorkshopChoiceField(
        queryset=Workshop.objects.none(),
        required=False,
        label="Built in session",
        empty_label="— the same session as this version —",
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What changed, or why a new version (leave empty to keep the notes).",
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["built_in"].queryset = site_workshops(site)
        self.helper = _helper(self, "Make the new version")


class ElementEntryForm(forms.Form):
    element = forms.ChoiceField(choices=Element.choices)
    text = forms.CharField(
        max_length=ElementEntry._meta.get_field("text").max_length,
        label="Entry",
        help_text="A short statement, e.g. “Referral form (paper, per agency)”.",
    )

    def __init__(self, *args, site: Site, submit: str = "Add entry", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _evidence_fields(self, site)
        self.helper = _helper(self, submit)

    def clean_text(self) -> str:
        text = " ".join(self.cleaned_data["text"].split())
        if not text:
            raise forms.ValidationError("Write the entry's text.")
        return text


class SharedObjectForm(forms.Form):
    model_a = ModelChoiceField(queryset=ActivitySystemModel.objects.none(), label="Central model")
    model_b = ModelChoiceField(queryset=ActivitySystemModel.objects.none(), label="Neighbour model")
    text = forms.CharField(
        max_length=300, label="Shared object", help_text="What both activities work on."
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("model_a", "model_b"):
            self.fields[name].queryset = ActivitySystemModel.objects.filter(site=site)
        self.helper = _helper(self, "Link the models")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("model_a") and data.get("model_a") == data.get("model_b"):
            self.add_error("model_b", "Choose two different models.")
        return data


class DisturbanceForm(forms.Form):
    date = forms.DateField(widget=DATE, help_text="When it happened.")
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_workaround = forms.BooleanField(
        required=False, label="A workaround (rules bent to get the work done)"
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _evidence_fields(self, site, mirror=False)
        self.fields["evidence_codings"].label = "Linked excerpts"
        self.helper = _helper(self, "Record disturbance")

    def clean_date(self) -> datetime.date:
        value = self.cleaned_data["date"]
        if value > datetime.date.today():
            raise forms.ValidationError("A disturbance cannot be dated in the future.")
        return value


class ContradictionForm(forms.Form):
    level = forms.ChoiceField(
        choices=ContradictionLevel.choices,
        help_text="Primary: within one element. Secondary: between two elements of one "
        "model. Tertiary: present model vs a future (more advanced) one. Quaternary: the "
        "central model vs a neighbour's.",
    )
    model = ModelChoiceField(queryset=ActivitySystemModel.objects.none(), label="Model")
    element_a = forms.ChoiceField(choices=Element.choices, label="Element")
    element_b = forms.ChoiceField(
        choices=[("", "— none —"), *Element.choices],
        required=False,
        label="Second element",
        help_text="Secondary: the other element of the same model. Tertiary or quaternary: "
        "the element of the other model, if one.",
    )
    other_model = ModelChoiceField(
        queryset=ActivitySystemModel.objects.none(),
        required=False,
        label="Other model",
        empty_label="— none —",
        help_text="Tertiary: the future-layer model. Quaternary: the neighbour's model.",
    )
    formulation = forms.CharField(max_length=300, help_text="“X vs Y”.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    disturbances = forms.ModelMultipleChoiceField(
        queryset=Disturbance.objects.none(),
        required=False,
        help_text=EVIDENCE_HELP,
        error_messages={"invalid_choice": "Choose disturbances of this site only."},
    )
    date = forms.DateField(initial=datetime.date.today, widget=DATE, label="Hypothesised on")
    workshop = WorkshopChoiceField(
        queryset=Workshop.objects.none(),
        required=False,
        label="Discussed in session",
        empty_label="— none —",
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        models = ActivitySystemModel.objects.filter(site=site)
        self.fields["model"].queryset = models
        self.fields["other_model"].queryset = models
        self.fields["disturbances"].queryset = Disturbance.objects.filter(site=site)
        self.fields["workshop"].queryset = site_workshops(site)
        _evidence_fields(self, site)
        self.helper = _helper(self, "Record contradiction")

    def clean_date(self) -> datetime.date:
        value = self.cleaned_data["date"]
        if value > datetime.date.today():
            raise forms.ValidationError("The date cannot be in the future.")
        return value


class ContradictionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ContradictionStatus.choices)
    date = forms.DateField(initial=datetime.date.today, widget=DATE)
    workshop = WorkshopChoiceField(
        queryset=Workshop.objects.none(),
        required=False,
        label="Discussed in session",
        empty_label="— none —",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = site_workshops(site)
        self.helper = _helper(self, "Record status")


class ExperimentForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="The agreed change, in a few words.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.CharField(max_length=200, help_text="Who carries it out (role or pseudonym).")
    owner_participant = forms.ModelChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        label="Owner (participant)",
        empty_label="— none —",
    )
    agreed_in = WorkshopChoiceField(
        queryset=Workshop.objects.none(),
        required=False,
        label="Agreed in session",
        empty_label="— none —",
    )
    start = forms.DateField(required=False, widget=DATE)
    review_date = forms.DateField(required=False, widget=DATE)
    status = forms.ChoiceField(choices=ExperimentStatus.choices)
    reviewed_in = WorkshopChoiceField(
        queryset=Workshop.objects.none(),
        required=False,
        label="Reviewed in session",
        empty_label="— not reviewed yet —",
    )
    outcome = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    contradictions = forms.ModelMultipleChoiceField(
        queryset=Contradiction.objects.none(),
        required=False,
        help_text="The contradictions it works on. " + EVIDENCE_HELP,
    )

    def __init__(self, *args, site: Site, submit: str = "Save experiment", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        workshops = site_workshops(site)
        self.fields["agreed_in"].queryset = workshops
        self.fields["reviewed_in"].queryset = workshops
        self.fields["owner_participant"].queryset = Participant.objects.filter(site=site)
        self.fields["contradictions"].queryset = Contradiction.objects.filter(site=site)
        self.helper = _helper(self, submit)

    def clean(self) -> dict:
        data = super().clean()
        start, review = data.get("start"), data.get("review_date")
        if start and review and review < start:
            self.add_error("review_date", "The review date is before the start.")
        return data


def experiment_initial(experiment: Experiment) -> dict:
    return {
        **{
            name: getattr(experiment, name)
            for name in (
                "title",
                "description",
                "owner",
                "owner_participant",
                "agreed_in",
                "start",
                "review_date",
                "status",
                "reviewed_in",
                "outcome",
            )
        },
        "contradictions": list(experiment.contradictions.all()),
    }
