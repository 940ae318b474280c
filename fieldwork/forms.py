from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from sites.models import Participant, ResearchPhase, Site

from .models import DocumentType, InterviewMode, Replacement, Segment, SourceKind
from .selectors import SourceFilters

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
ACCEPT = ".txt,.docx,.odt,.rtf,.vtt,.srt,.otr"


def site_team(site: Site) -> QuerySet:
    """Users who can be named as observer or interviewer: the site's members and project
    leads."""
    User = get_user_model()
    return (
        User.objects.filter(
            Q(memberships__site=site) | Q(memberships__site__isnull=True, memberships__role="lead")
        )
        .distinct()
        .order_by("username")
    )


class UserChoiceMixin:
    @staticmethod
    def label_user(user) -> str:
        return user.get_full_name() or user.get_username()


class SourceFilterForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *SourceKind.choices], required=False, label="Kind"
    )
    date_from = forms.DateField(required=False, label="From", widget=DATE)
    date_to = forms.DateField(required=False, label="To", widget=DATE)
    phase = forms.ModelChoiceField(
        queryset=ResearchPhase.objects.none(), required=False, empty_label="Any phase"
    )
    participant = forms.ModelChoiceField(
        queryset=Participant.objects.none(), required=False, empty_label="Anyone"
    )
    researcher = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Anyone"
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = ResearchPhase.objects.order_by("number")
        self.fields["participant"].queryset = Participant.objects.filter(site=site).order_by(
            "pseudonym"
        )
        self.fields["researcher"].queryset = site_team(site)
        self.fields["researcher"].label_from_instance = UserChoiceMixin.label_user

    def filters(self) -> SourceFilters:
        if not self.is_valid():
            return SourceFilters()
        data = self.cleaned_data
        return SourceFilters(
            kind=data["kind"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            phase=data["phase"],
            participant=data["participant"],
            researcher=data["researcher"],
        )

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class DraftForm(forms.Form):
    """The field-notes autosave: the whole text of the notes as typed, even if empty. A body
    without the field is refused, never taken for an emptied draft."""

    notes = forms.CharField(required=False, strip=False)

    def clean(self):
        if "notes" not in self.data:
            raise forms.ValidationError(
                "The draft was not sent in a form this page can read; nothing was saved."
            )
        return super().clean()


class ObservationForm(forms.Form):
    title = forms.CharField(max_length=300, help_text="e.g. 'Monday allocation meeting'.")
    date = forms.DateField(widget=DATE)
    start_time = forms.TimeField(required=False, widget=TIME, label="Start time")
    end_time = forms.TimeField(required=False, widget=TIME, label="End time")
    setting = forms.CharField(max_length=300, required=False)
    observer = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    participants_present = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Participants present",
    )
    notes = forms.CharField(
        required=False,
        label="Field notes",
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text="Separate paragraphs with a blank line. Drafts are saved as you type.",
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["observer"].queryset = site_team(site)
        self.fields["observer"].label_from_instance = UserChoiceMixin.label_user
        self.fields["participants_present"].queryset = Participant.objects.filter(
            site=site
        ).order_by("pseudonym")

    def clean(self):
        data = super().clean()
        if (
            data.get("start_time")
            and data.get("end_time")
            and data["end_time"] < data["start_time"]
        ):
            self.add_error("end_time", "The end time is before the start time.")
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


class InterviewForm(forms.Form):
    title = forms.CharField(max_length=300, help_text="e.g. 'Interview with the team manager'.")
    date = forms.DateField(widget=DATE)
    mode = forms.ChoiceField(choices=InterviewMode.choices, label="Individual or group")
    interviewers = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Interviewer(s)",
    )
    interviewees = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Interviewee(s)",
    )
    recording_reference = forms.CharField(max_length=200, required=False)
    transcript = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text="Optional: .txt .docx .odt .rtf .vtt .srt .otr. You can upload it later.",
    )

    def __init__(self, *args, site: Site, with_transcript: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interviewers"].queryset = site_team(site)
        self.fields["interviewers"].label_from_instance = UserChoiceMixin.label_user
        self.fields["interviewees"].queryset = Participant.objects.filter(site=site).order_by(
            "pseudonym"
        )
        if not with_transcript:
            del self.fields["transcript"]


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=300)
    date = forms.DateField(widget=DATE, required=False)
    document_type = forms.ChoiceField(choices=DocumentType.choices, label="Type of document")
    author = forms.CharField(
        max_length=200, required=False, help_text="A team or role, never a person's name."
    )
    file = forms.FileField(
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text="A .docx, .odt, .rtf or .txt file; its text becomes a source.",
    )

    def __init__(self, *args, with_file: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not with_file:
            del self.fields["file"]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="Transcript files",
        help_text="Choose one or more files: .txt .docx .odt .rtf .vtt .srt .otr. Each "
        "becomes its own import.",
    )
    kind = forms.ChoiceField(choices=SourceKind.choices, initial=SourceKind.INTERVIEW)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("submit", "Import"))


class TranscriptForm(forms.Form):
    file = forms.FileField(
        label="Transcript file",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=".txt .docx .odt .rtf .vtt .srt .otr",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("submit", "Upload transcript"))


class SpeakerMapForm(forms.Form):
    label = forms.CharField(max_length=120, widget=forms.HiddenInput)
    target = forms.ChoiceField(
        label="Who is this?",
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, site: Site, participants: list[Participant], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.participants = {str(p.pk): p for p in participants}
        self.researchers = {str(u.pk): u for u in site_team(site)}
        self.fields["target"].choices = [
            ("", "Unknown speaker"),
            (
                "Participants",
                [
                    (f"p:{pk}", f"{p.pseudonym} ({p.profession})")
                    for pk, p in self.participants.items()
                ],
            ),
            (
                "Research team",
                [(f"r:{pk}", UserChoiceMixin.label_user(u)) for pk, u in self.researchers.items()],
            ),
        ]

    def mapping(self) -> dict:
        target = self.cleaned_data["target"]
        if target.startswith("p:"):
            return {"participant": self.participants[target[2:]], "researcher": None}
        if target.startswith("r:"):
            return {"participant": None, "researcher": self.researchers[target[2:]]}
        return {"participant": None, "researcher": None}


class AttributionForm(forms.Form):
    """Who a paragraph reports on: the paragraph (by its number in the source) and any of
    the site's participants (none clears the attribution)."""

    paragraph = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    participants = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.none(), required=False
    )

    def __init__(self, *args, source, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["participants"].queryset = Participant.objects.filter(site=source.site_id)
        self.fields["participants"].error_messages["invalid_choice"] = (
            "Choose participants of this site from the list."
        )

    def clean_paragraph(self) -> Segment:
        order = self.cleaned_data["paragraph"]
        segment = self.source.segments.filter(order=order).first()
        if segment is None:
            raise forms.ValidationError(
                "That paragraph is no longer in the notes: reload the page."
            )
        return segment


class SpeakerMergeForm(forms.Form):
    label = forms.ChoiceField(
        label="Merge the label", widget=forms.Select(attrs={"class": "form-select"})
    )
    into = forms.ChoiceField(label="into", widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, labels: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(label, label) for label in labels]
        self.fields["label"].choices = choices
        self.fields["into"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("label") and data.get("label") == data.get("into"):
            raise forms.ValidationError("Choose two different labels.")
        return data


class ReplacementForm(forms.ModelForm):
    class Meta:
        model = Replacement
        fields = ["original", "pseudonym"]
        labels = {"original": "Real name or place", "pseudonym": "Replace with"}

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.site = site
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Add to the list"))


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the fieldwork",
        required=False,
        max_length=500,
        help_text='Use "quotes" for a phrase, -word to exclude, OR for either.',
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    site = forms.ChoiceField(label="Site", required=False)
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *SourceKind.choices], required=False, label="Kind"
    )

    def __init__(self, *args, sites: list[Site], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sites = {s.code: s for s in sites}
        self.fields["site"].choices = [("", "All my sites")] + [(s.code, s.name) for s in sites]
