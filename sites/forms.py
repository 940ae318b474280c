from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import ConsentDecision, ConsentScope, Participant, Role


class ParticipantForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["pseudonym", "profession", "agency", "job_title", "level", "notes"]
        help_texts = {
            "pseudonym": "Unique within this site. Never a real name.",
            "level": "Strategic participants are managers; operational ones do the casework.",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The unique (site, pseudonym) constraint needs the site before validation.
        self.instance.site = site
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save participant"))


class ConsentForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label="What is this decision about?",
        choices=ConsentScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one thing the decision is about."},
    )
    decision = forms.ChoiceField(choices=ConsentDecision.choices, widget=forms.RadioSelect)
    effective_date = forms.DateField(
        label="Date of the decision",
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The date the participant gave or withdrew consent.",
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: where the signed form is filed, or how the request came in.",
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Record consent decision"))

    def clean_effective_date(self) -> datetime.date:
        value = self.cleaned_data["effective_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("A consent decision cannot be dated in the future.")
        if value.year < 1990:
            raise forms.ValidationError("That date is too far in the past to be right.")
        return value


class MembershipForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        label="Person",
    )
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Give access"))


class AuditFilterForm(forms.Form):
    """Filters of an audit page (GET). Choices of people are those who appear in `events`."""

    actor = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label="Person"
    )
    verb = forms.ChoiceField(required=False, label="Action")
    object_type = forms.ChoiceField(required=False, label="Object type")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, events, **kwargs) -> None:
        from .audit import object_type_choices, verb_choices

        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = (
            get_user_model()
            .objects.filter(pk__in=events.order_by().values("actor_id"))
            .order_by("username")
        )
        self.fields["actor"].empty_label = "Anyone"
        self.fields["verb"].choices = [("", "Any action"), *verb_choices()]
        self.fields["object_type"].choices = [("", "Any type"), *object_type_choices()]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-md-auto g-2 align-items-end mb-3"
        self.helper.field_class = ""
        self.helper.add_input(Submit("", "Show events", css_class="btn-secondary"))

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise forms.ValidationError("The “to” date is before the “from” date.")
        return data
