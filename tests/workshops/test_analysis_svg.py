"""The server-side SVG drawings: every entry's text present, escaped, accessible and
deterministic; the third-generation view draws both models and their shared object."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from workshops.analysis_selectors import model_views
from workshops.models import Element
from workshops.svg import MAX_LINES, third_generation_svg, triangle_svg

from .analysis_factories import ActivityModelFactory, EntryFactory

SVG = "{http://www.w3.org/2000/svg}"

LONG = (
    "Shared assessment framework completed by whichever agency first meets the family, "
    "then passed on by email to the others who each re-enter it in their own database"
)


def build(site, **kwargs):
    model = ActivityModelFactory(site=site, title="Referral & allocation", **kwargs)
    texts = {
        Element.SUBJECT: ["Multi-agency team", "Educational psychologist"],
        Element.OBJECT: ["A child's trajectory"],
        Element.OUTCOME: ["Fewer exclusions"],
        Element.INSTRUMENTS: ["Referral form <paper>", LONG],
        Element.RULES: ['Thresholds "tier 3"'],
        Element.COMMUNITY: ["Schools", "Families"],
        Element.DIVISION_OF_LABOUR: ["Who holds the case"],
    }
    for element, entries in texts.items():
        for order, text in enumerate(entries):
            EntryFactory(model=model, element=element, text=text, order=order)
    return model, [t for entries in texts.values() for t in entries]


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output


def test_the_triangle_has_every_entrys_text_and_the_seven_elements(site_a):
    model, texts = build(site_a)
    root = parse(triangle_svg(model_views([model], site=site_a)[0]))
    entry_titles = [
        g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "entry"
    ]
    assert sorted(entry_titles) == sorted(texts)  # one titled group per entry
    all_text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    for label in Element.labels:
        assert label in all_text
    for text in texts:
        if text != LONG:
            assert text in all_text  # short entries are visible whole


def test_a_long_entry_is_wrapped_and_cut_but_its_full_text_stays_in_its_title(site_a):
    model, _ = build(site_a)
    root = parse(triangle_svg(model_views([model], site=site_a)[0]))
    group = next(
        g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "entry" and g.find(f"{SVG}title").text == LONG
    )
    lines = [t.text for t in group.iter(f"{SVG}tspan")]
    assert 1 < len(lines) <= MAX_LINES
    assert lines[-1].endswith("…")
    assert LONG.startswith(" ".join(lines).removeprefix("• ").removesuffix("…").rstrip()[:60])


def test_the_svg_is_accessible_escaped_and_deterministic(site_a):
    model, _ = build(site_a)
    view = model_views([model], site=site_a)[0]
    svg = str(triangle_svg(view))
    root = parse(svg)  # well-formed XML although entries hold < > & and quotes
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "Referral &amp; allocation" in svg and "Referral form &lt;paper&gt;" in svg
    assert "<paper>" not in svg
    assert "10 entries" in desc.text
    assert svg == str(triangle_svg(model_views([model], site=site_a)[0]))


def test_markup_and_control_characters_in_entries_cannot_break_the_drawing(site_a):
    model = ActivityModelFactory(site=site_a, title="</svg><script>alert(1)</script>")
    EntryFactory(model=model, element=Element.RULES, text="a\x00b\x1f <script>x</script> ]]>")
    svg = str(triangle_svg(model_views([model], site=site_a)[0]))
    parse(svg)
    assert "<script>" not in svg and "\x00" not in svg
    assert "&lt;script&gt;x&lt;/script&gt;" in svg


def test_the_third_generation_view_draws_both_models_and_the_shared_object(site_a):
    central, central_texts = build(site_a)
    neighbour = ActivityModelFactory(site=site_a, title="School exclusions", perspective="A school")
    EntryFactory(model=neighbour, element=Element.RULES, text="Fixed-term exclusion procedure")
    views = model_views([central, neighbour], site=site_a)
    svg = str(third_generation_svg(views[0], views[1], ["The child at risk of exclusion"]))
    root = parse(svg)
    titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "entry"]
    assert "Fixed-term exclusion procedure" in titles
    assert "The child at risk of exclusion" in titles
    assert all(t in titles for t in central_texts)
    assert root.get("role") == "img"
    assert "Shared object" in svg
    assert len(re.findall(r'class="element element-object"', svg)) == 2
