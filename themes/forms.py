from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from fieldwork.models import Source, SourceKind
from sites.models import Level, Profession, ResearchPhase, Role, Site

from .models import THEME_FIELDS, Theme
from .selectors import ExcerptFilters, codebook_tree
from .services import MEMO_MAX_LENGTH

MEMO_ERRORS = {
    "required": "Write something in the memo before saving it.",
    "max_length": (
        f"A memo can be at most {MEMO_MAX_LENGTH:,} characters; this one has %(show_value)d."
    ),
}


def _theme_choices(field: forms.ModelChoiceField, user, *, codable_only: bool = False) -> None:
    """Show themes in tree order, indented by depth."""
    nodes = codebook_tree(user=user, include_retired=False, counts={})
    field.choices = [("", "—")] + [
        (n.theme.pk, f"{'  ' * n.depth}{n.theme.name}")
        for n in nodes
        if not codable_only or n.theme.codable
    ]


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = list(THEME_FIELDS)
        labels = {"parent": "Parent theme (folder)"}
        help_texts = {
            "name": "Unique across the codebook.",
            "colour": "Shown with the theme's name, never on its own.",
        }
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 3}),
            "inclusion": forms.Textarea(attrs={"rows": 2}),
            "exclusion": forms.Textarea(attrs={"rows": 2}),
            "example": forms.Textarea(attrs={"rows": 2}),
            "colour": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args, user, submit_label: str = "Save theme", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _theme_choices(self.fields["parent"], user)
        self.fields["parent"].required = False
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.Meta.fields}


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Theme.objects.all(),
        label="Merge into",
        help_text=(
            "All codings, memos and sub-themes move to this theme; this theme is deleted. "
            "A coding repeating one its coder made with this theme on the same words is folded "
            "into that one, its memo kept."
        ),
    )

    def __init__(self, *args, user, theme: Theme, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = Theme.objects.exclude(pk=theme.pk)
        _theme_choices(self.fields["into"], user)
        self.fields["into"].choices = [c for c in self.fields["into"].choices if c[0] != theme.pk]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Merge themes", css_class="btn-danger"))


class CodingForm(forms.Form):
    """The picker posts offsets in code points plus a theme, or a name for a new theme."""

    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    theme = forms.ModelChoiceField(queryset=Theme.objects.codable(), required=False)
    new_theme = forms.CharField(max_length=200, required=False, label="New theme name")
    memo = forms.CharField(
        required=False,
        widget=forms.Textarea,
        max_length=MEMO_MAX_LENGTH,
        error_messages=MEMO_ERRORS,
    )

    def clean(self):
        data = super().clean()
        if not data.get("theme") and not (data.get("new_theme") or "").strip():
            raise forms.ValidationError("Choose a theme, or type the name of a new one.")
        return data


class PanelCodingsForm(forms.Form):
    """The coding panel's `?ids=1,2,3`: the codings of the clicked passage."""

    MAX_IDS = 200

    ids = forms.CharField(required=False)

    def clean_ids(self) -> list[int]:
        try:
            ids = [int(part) for part in self.cleaned_data["ids"].split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(
                "The codings asked for should be numbers separated by commas."
            ) from None
        if len(ids) > self.MAX_IDS:
            raise forms.ValidationError(f"Ask for at most {self.MAX_IDS} codings at a time.")
        return ids


class ThemePairForm(forms.Form):
    """The two themes of a co-occurrence cell."""

    ERRORS = {
        "required": "Say which two themes' passages to show.",
        "invalid_choice": "There is no such theme in the codebook.",
    }

    a = forms.ModelChoiceField(queryset=Theme.objects.all(), error_messages=ERRORS)
    b = forms.ModelChoiceField(queryset=Theme.objects.all(), error_messages=ERRORS)

    def clean(self):
        data = super().clean()
        if data.get("a") and data.get("a") == data.get("b"):
            raise forms.ValidationError("Choose two different themes.")
        return data


class MemoForm(forms.Form):
    text = forms.CharField(
        label="Memo",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MEMO_MAX_LENGTH,
        error_messages=MEMO_ERRORS,
    )

    def __init__(self, *args, submit_label: str = "Add memo", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))


class CodingMemoForm(forms.Form):
    memo = forms.CharField(
        required=False,
        widget=forms.Textarea,
        max_length=MEMO_MAX_LENGTH,
        error_messages=MEMO_ERRORS,
    )
    version = forms.CharField(required=False)


class FilterForm(forms.Form):
    """GET filters shared by the dashboard, retrieval and exports."""

    site = forms.MultipleChoiceField(required=False, label="Sites")
    kind = forms.MultipleChoiceField(
        required=False, label="Source kinds", choices=SourceKind.choices
    )
    phase = forms.MultipleChoiceField(required=False, label="Phases")
    profession = forms.MultipleChoiceField(required=False, label="Professions")
    level = forms.MultipleChoiceField(required=False, label="Levels", choices=Level.choices)
    coder = forms.MultipleChoiceField(required=False, label="Coders")
    q = forms.CharField(required=False, label="Words in the excerpt", max_length=200)

    def __init__(
        self,
        *args,
        sites: list[Site],
        phases: list[ResearchPhase],
        with_sites: bool,
        coders: list[tuple[int, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(str(s.pk), s.name) for s in sites]
        self.fields["phase"].choices = [(str(p.number), str(p)) for p in phases]
        self.fields["profession"].choices = [(str(p.pk), p.name) for p in Profession.objects.all()]
        # Only the coders the user may see (`selectors.coder_choices`).
        self.fields["coder"].choices = [(str(pk), name) for pk, name in coders]
        if not with_sites:
            del self.fields["site"]

    def filters(self) -> ExcerptFilters:
        if not self.is_valid():
            return ExcerptFilters()
        data = self.cleaned_data
        return ExcerptFilters(
            sites=[int(x) for x in data.get("site", [])],
            kinds=list(data["kind"]),
            phases=[int(x) for x in data["phase"]],
            professions=[int(x) for x in data["profession"]],
            levels=list(data["level"]),
            coders=[int(x) for x in data["coder"]],
            q=data["q"].strip(),
        )

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class ExerciseForm(forms.Form):
    name = forms.CharField(max_length=200)
    sources = forms.ModelMultipleChoiceField(queryset=Source.objects.none())
    coders = forms.ModelMultipleChoiceField(queryset=get_user_model().objects.none())
    blind = forms.BooleanField(
        required=False, initial=True, help_text="Coders see only their own codings until closed."
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = Source.objects.filter(site=site).defer("text")
        User = get_user_model()
        # Researchers and leads of this site, and project leads.
        self.fields["coders"].queryset = (
            User.objects.filter(
                Q(memberships__site=site, memberships__role__in=[Role.LEAD, Role.RESEARCHER])
                | Q(memberships__site__isnull=True)
            )
            .distinct()
            .order_by("username")
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Start the exercise"))


class ErasureForm(forms.Form):
    """The confirmation step of erasing a participant's words: type their pseudonym."""

    pseudonym = forms.CharField(
        label="Type the participant's pseudonym to confirm",
        max_length=80,
        help_text="Erasure cannot be undone.",
    )

    def __init__(self, *args, participant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.participant = participant
        self.helper = FormHelper()
        self.helper.add_input(
            Submit("submit", "Erase their words for good", css_class="btn-danger")
        )

    def clean_pseudonym(self) -> str:
        typed = " ".join(self.cleaned_data["pseudonym"].split())
        if typed.casefold() != self.participant.pseudonym.casefold():
            raise forms.ValidationError(
                f"That is not “{self.participant.pseudonym}”. Type the pseudonym exactly to "
                "confirm the erasure."
            )
        return typed
