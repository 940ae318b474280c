from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model

from fieldwork.models import SourceKind
from sites.models import Level, Participant, Profession, ResearchPhase
from themes.models import Theme
from themes.selectors import ExcerptFilters

from .models import (
    ActivitySystemModel,
    ConceptualTool,
    LearningAction,
    MirrorItem,
    MirrorItemKind,
    SurfaceColumn,
    TimeLayer,
    Workshop,
    WorkshopActivity,
    WorkshopSeries,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


def _staff_queryset(staff: list):
    return get_user_model().objects.filter(pk__in=[u.pk for u in staff]).order_by("username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class SeriesCreateForm(forms.ModelForm):
    start_from = forms.ChoiceField(
        label="Start from",
        choices=[
            ("template", "The six-session LIW-style template (prefilled, editable)"),
            ("blank", "Blank sessions"),
        ],
        initial="template",
        widget=forms.RadioSelect,
    )
    facilitators = UserMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members of this site who run the sessions.",
    )

    class Meta:
        model = WorkshopSeries
        fields = ["title", "aims", "planned_sessions"]
        widgets = {"aims": forms.Textarea(attrs={"rows": 3})}
        labels = {"planned_sessions": "Number of planned sessions"}

    def __init__(self, *args, staff: list, submit: str = "Create series", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].queryset = _staff_queryset(staff)
        self.fields["planned_sessions"].min_value = 1
        self.fields["planned_sessions"].widget.attrs.update({"min": 1, "max": 30})
        self.helper = _helper(submit)

    def clean_planned_sessions(self) -> int:
        value = self.cleaned_data["planned_sessions"]
        if not 1 <= value <= 30:
            raise forms.ValidationError("Plan between 1 and 30 sessions.")
        return value


class SeriesEditForm(SeriesCreateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, submit="Save series", **kwargs)
        del self.fields["start_from"]


class WorkshopPlanForm(forms.ModelForm):
    layer_focus = forms.MultipleChoiceField(
        label="Time-layer focus",
        choices=TimeLayer.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target_actions = forms.MultipleChoiceField(
        label="Target learning actions",
        choices=LearningAction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    facilitator = UserChoiceField(queryset=get_user_model().objects.none(), required=False)
    co_facilitator = UserChoiceField(queryset=get_user_model().objects.none(), required=False)
    scribe_user = UserChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Scribe (team member)",
    )
    attendees = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Invited participants of this site.",
    )

    class Meta:
        model = Workshop
        fields = [
            "title",
            "date",
            "start_time",
            "end_time",
            "venue",
            "layer_focus",
            "target_actions",
            "aims",
            "first_stimulus_plan",
            "second_stimulus_plan",
            "expected_outputs",
            "facilitator",
            "co_facilitator",
            "scribe_participant",
            "scribe_user",
        ]
        widgets = {
            "date": DATE,
            "start_time": TIME,
            "end_time": TIME,
            "aims": forms.Textarea(attrs={"rows": 2}),
            "first_stimulus_plan": forms.Textarea(attrs={"rows": 2}),
            "second_stimulus_plan": forms.Textarea(attrs={"rows": 2}),
            "expected_outputs": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"scribe_participant": "Scribe (participant)"}

    def __init__(self, *args, staff: list, participants, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("facilitator", "co_facilitator", "scribe_user"):
            self.fields[name].queryset = _staff_queryset(staff)
        self.fields["scribe_participant"].queryset = participants
        self.fields["attendees"].queryset = participants
        if self.instance.pk:
            self.initial.setdefault("attendees", list(self.instance.attendees.all()))
        self.helper = _helper("Save plan")

    def clean(self):
        data = super().clean()
        if data.get("scribe_participant") and data.get("scribe_user"):
            self.add_error("scribe_user", "Choose one scribe: a participant or a team member.")
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The session ends before it starts.")
        return data

    def plan(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "attendees"}


class ActivityForm(forms.ModelForm):
    first_stimulus = forms.ModelMultipleChoiceField(
        queryset=MirrorItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="First stimulus (mirror items)",
    )

    class Meta:
        model = WorkshopActivity
        fields = [
            "title",
            "minutes",
            "description",
            "second_stimulus",
            "second_stimulus_model",
            "second_stimulus_note",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {
            "second_stimulus": "Second stimulus (conceptual tool)",
            "second_stimulus_model": "Site model shown",
        }

    def __init__(self, *args, workshop: Workshop, submit: str = "Save agenda item", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_stimulus"].queryset = workshop.mirror_items.order_by("pk")
        self.fields["first_stimulus"].label_from_instance = lambda i: str(i)[:80]
        self.fields["second_stimulus_model"].queryset = ActivitySystemModel.objects.filter(
            site=workshop.site
        )
        self.fields["second_stimulus"].choices = [("", "None")] + list(ConceptualTool.choices)
        self.fields["minutes"].widget.attrs.update({"min": 1, "max": 600})
        if self.instance.pk:
            self.initial.setdefault("first_stimulus", list(self.instance.first_stimulus.all()))
        self.helper = _helper(submit)

    def clean_minutes(self) -> int:
        value = self.cleaned_data["minutes"]
        if not 1 <= value <= 600:
            raise forms.ValidationError("Give the minutes as a number from 1 to 600.")
        return value


class HeldForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who came",
    )
    held_notes = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write a few words on what happened."},
    )
    deviations = forms.CharField(
        label="Departures from the plan",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What participants did that the plan did not foresee; what was changed.",
    )
    skipped = forms.ModelMultipleChoiceField(
        queryset=WorkshopActivity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Agenda items skipped",
    )

    def __init__(self, *args, workshop: Workshop, participants, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = participants
        self.fields["skipped"].queryset = workshop.activities.all()
        self.fields["skipped"].label_from_instance = lambda a: f"{a.title} ({a.minutes} min)"
        self.helper = _helper("Save what happened")


class SummaryForm(forms.Form):
    next_summary = forms.CharField(
        label="Summary for the next session",
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=50000,
        error_messages={"required": "Write the summary, or draft it again."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save summary")


class MirrorSearchForm(forms.Form):
    """GET filters for the mirror-excerpt search."""

    theme = forms.ModelChoiceField(queryset=Theme.objects.active(), required=False)
    phase = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(
        required=False, label="Source kind", choices=[("", "Any")] + list(SourceKind.choices)
    )
    profession = forms.ModelChoiceField(queryset=Profession.objects.all(), required=False)
    level = forms.ChoiceField(required=False, choices=[("", "Any")] + list(Level.choices))
    q = forms.CharField(required=False, label="Words", max_length=200)

    def __init__(self, *args, phases: list[ResearchPhase], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = [("", "Any")] + [(str(p.number), str(p)) for p in phases]
        self.fields["theme"].empty_label = "Any theme"
        self.fields["profession"].empty_label = "Any"

    def filters(self) -> ExcerptFilters:
        if not self.is_valid():
            return ExcerptFilters()
        data = self.cleaned_data
        return ExcerptFilters(
            kinds=[data["kind"]] if data["kind"] else [],
            phases=[int(data["phase"])] if data["phase"] else [],
            professions=[data["profession"].pk] if data["profession"] else [],
            levels=[data["level"]] if data["level"] else [],
            q=data["q"].strip(),
        )


class AddExcerptForm(forms.Form):
    coding = forms.IntegerField(widget=forms.HiddenInput)


class TypedItemForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            (MirrorItemKind.DOCUMENT, MirrorItemKind.DOCUMENT.label),
            (MirrorItemKind.STATISTIC, MirrorItemKind.STATISTIC.label),
        ],
        widget=forms.RadioSelect,
    )
    title = forms.CharField(max_length=200, required=False)
    text = forms.CharField(
        label="Extract or figure",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Type the extract or the figure."},
    )
    provenance_note = forms.CharField(
        label="Where it comes from",
        max_length=300,
        error_messages={"required": "Say where the extract or figure comes from."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Add item")


class ItemEditForm(forms.ModelForm):
    class Meta:
        model = MirrorItem
        fields = ["title", "facilitator_note", "prompts"]
        widgets = {
            "facilitator_note": forms.Textarea(attrs={"rows": 3}),
            "prompts": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save item")


class PlaceForm(forms.Form):
    """A surface as `column` and `layer` (the board's script) or as `surface`,
    "column:layer" (the plain "Move to" list)."""

    column = forms.ChoiceField(choices=SurfaceColumn.choices, required=False)
    layer = forms.ChoiceField(choices=TimeLayer.choices, required=False)
    surface = forms.CharField(required=False, max_length=40)
    position = forms.IntegerField(min_value=0, required=False)

    def clean(self):
        data = super().clean()
        if data.get("surface"):
            column, _, layer = data["surface"].partition(":")
            data["column"], data["layer"] = column, layer
        if (
            data.get("column") not in SurfaceColumn.values
            or data.get("layer") not in TimeLayer.values
        ):
            raise forms.ValidationError("Choose one of the nine surfaces.")
        return data


class RecordingForm(forms.Form):
    file = forms.FileField(
        label="Transcript file",
        help_text="DOCX, ODT, RTF, TXT, VTT or SRT with speaker labels; pseudonymised on import.",
        error_messages={"required": "Choose the transcript file to import."},
    )


class SpeakerForm(forms.Form):
    label = forms.CharField(max_length=120, widget=forms.HiddenInput)
    participant = forms.ModelChoiceField(
        queryset=Participant.objects.none(), required=False, empty_label="Nobody (unmapped)"
    )

    def __init__(self, *args, participants, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants


class ShowingForm(forms.Form):
    item = forms.ModelChoiceField(queryset=MirrorItem.objects.none(), label="Mirror item")
    first_turn = forms.IntegerField(min_value=1, label="From turn")
    last_turn = forms.IntegerField(min_value=1, label="To turn")

    def __init__(self, *args, workshop: Workshop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = workshop.mirror_items.order_by("pk")
        self.fields["item"].label_from_instance = lambda i: str(i)[:80]
        self.helper = _helper("Link turns")
