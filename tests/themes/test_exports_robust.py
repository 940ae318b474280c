"""The XLSX and DOCX exports hold whatever is stored, even text input now refuses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from themes.models import Theme

from .factories import CodingFactory
from .test_outputs import docx_text, xlsx_rows


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_a_control_character_stored_in_a_theme_memo_and_pseudonym_does_not_break_exports(
    world, client_for, lead, researcher, fmt
):
    source = world["source_a"]
    start = source.text.index("Strictly")
    theme = Theme.objects.create(name="Rule\x01bending twice", colour="#1d3557")
    CodingFactory(
        source=source,
        theme=theme,
        coder=researcher,
        start=start,
        end=start + 8,
        memo="A memo\x01 with a control character",
        participant=world["wendy"],
    )
    type(world["wendy"]).objects.filter(pk=world["wendy"].pk).update(pseudonym="Wen\x01dy")
    response = client_for(lead).get(
        reverse("themes:theme-export", kwargs={"pk": theme.pk, "fmt": fmt})
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = repr(xlsx_rows(response)) if fmt == "xlsx" else docx_text(response)
    assert "Strictly" in content and "A memo with a control character" in content
    assert "Rulebending twice" in content
