"""HTML for the coding workspace's turns, built in Python for speed (a source may carry
hundreds of codings; the template engine would spend most of the page's time here).

Each turn: `<article class="turn" id="turn-<order>" data-start data-end>` with the turn's text
in `.turn-text`, split into plain text and `<span class="coded">` pieces. The text nodes
inside `.turn-text` concatenate to exactly `source.text[start:end]`, so the browser can map a
selection to code-point offsets by walking them.

A withheld turn (`fieldwork.consent`: its speaker or an attributed participant withdrew) is
`.turn-withdrawn`: leads see its words marked, every other role sees only the withdrawal
marker (no words, no coded passages); the server refuses new codings on it either way.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from fieldwork.consent import Withheld, redact
from fieldwork.models import Source

from .models import Coding

if TYPE_CHECKING:
    from .workspace import Workspace


@dataclass
class Turn:
    order: int
    start: int
    end: int
    speaker: str
    participant: object | None
    withheld: Withheld | None = None


def _stripe_parts(coding: Coding) -> tuple[str, str]:
    """The stripe button around its coding id: the same for every coding of one theme by one
    coder, so a page of hundreds of codings escapes each theme and coder once."""
    theme = coding.theme
    name = escape(theme.name)
    coder = escape(str(coding.coder)) if coding.coder else "—"
    review = ' <span class="badge text-bg-warning">review</span>' if coding.needs_review else ""
    return (
        '<li><button type="button" class="stripe" data-coding="',
        f'" style="border-left-color: {escape(theme.colour)}" title="{name} by {coder}">'
        f"{name}{review}</button></li>",
    )


def _text(value: str) -> str:
    """Escape text content (quotes need no escaping outside attributes)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def turns_html(
    source: Source, turns: list[Turn], codings: list[Coding], *, sees_withdrawn: bool = False
) -> SafeString:
    # Plain f-strings and the standard library's html.escape (what django.utils.html.escape
    # calls): format_html and the lazy-aware escape cost more than the rest of the page.
    text = source.text
    codings = sorted(codings, key=lambda c: (c.start, c.end))
    starts = [c.start for c in codings]
    # No coding starts more than `longest` before a turn it overlaps: the codings overlapping
    # a turn lie between two binary searches instead of in a scan of every earlier coding.
    longest = max((c.end - c.start for c in codings), default=0)
    parts: dict[tuple, tuple[str, str]] = {}
    stripes: dict[int, str] = {}
    for c in codings:
        key = (c.theme_id, c.coder_id, c.needs_review)
        head, tail = parts.get(key) or parts.setdefault(key, _stripe_parts(c))
        stripes[c.pk] = f"{head}{c.pk}{tail}"
    raw_colours = {c.theme_id: c.theme.colour for c in codings}
    colours = {theme_id: escape(colour) for theme_id, colour in raw_colours.items()}
    names = {c.pk: c.theme.name for c in codings}
    themes = {c.pk: c.theme_id for c in codings}
    titles: dict[tuple[int, ...], str] = {}
    # The opening tag of a coded piece depends only on which codings cover it, and its title
    # only on their themes; both are built once per combination.
    openings: dict[tuple[int, ...], str] = {}
    out: list[str] = []
    for turn in turns:
        # Codings overlapping the turn: start < turn.end and end > turn.start.
        lo = bisect_left(starts, turn.start - longest)
        hi = bisect_left(starts, turn.end)
        here = [c for c in codings[lo:hi] if c.end > turn.start]
        cuts = {turn.start, turn.end}
        for c in here:
            cuts.add(max(c.start, turn.start))
            cuts.add(min(c.end, turn.end))
        cuts = sorted(cuts)
        pieces: list[str] = []
        withheld = turn.withheld
        if withheld is not None and not sees_withdrawn:
            cuts = []  # no words, no coded passages: only the marker
            pieces.append(_text(withheld.marker))
        for a, b in zip(cuts, cuts[1:], strict=False):
            chunk = _text(text[a:b])
            active = tuple(c.pk for c in here if c.start <= a and c.end >= b)
            if not active:
                pieces.append(chunk)
                continue
            opening = openings.get(active)
            if opening is None:
                theme_ids = tuple(themes[pk] for pk in active)
                title = titles.get(theme_ids)
                if title is None:
                    title = titles[theme_ids] = escape(", ".join(names[pk] for pk in active))
                opening = openings[active] = (
                    f'<span class="coded depth-{min(len(active), 4)}" '
                    f'data-codings="{" ".join(map(str, active))}" '
                    f'style="--coding-colour: {colours[themes[active[0]]]}" title="{title}">'
                )
            pieces.append(f"{opening}{chunk}</span>")
        speaker = escape(turn.speaker or ("Text" if turn.order == 0 else ""))
        if turn.participant is not None:
            speaker = (
                # A mapped speaker is named by the pseudonym, never the transcript's label
                # ("Interviewee").
                f"{escape(turn.participant.pseudonym)} "
                '<span class="text-body-secondary small">'
                f"({escape(turn.participant.profession.name)})</span>"
            )
        turn_stripes = "".join(stripes[c.pk] for c in here)
        classes, note, text_class = "turn", "", "turn-text"
        if withheld is not None:
            classes += " turn-withdrawn"
            text_class += " withdrawn-words" if sees_withdrawn else " turn-redacted"
            if sees_withdrawn:
                note = (
                    '<p class="turn-withdrawn-note small mb-1">'
                    f"{_text(withheld.marker)} Shown to leads only; cannot be coded.</p>"
                )
        out.append(
            f'<article class="{classes}" id="turn-{turn.order}" data-start="{turn.start}" '
            f'data-end="{turn.end}" tabindex="-1" aria-labelledby="turn-{turn.order}-speaker">'
            f'<div class="turn-body"><p class="turn-speaker" id="turn-{turn.order}-speaker">'
            f"{speaker or 'Turn ' + str(turn.order + 1)}</p>{note}"
            f'<div class="{text_class}">{"".join(pieces)}</div></div>'
            f'<div class="turn-margin"><ul class="stripes list-unstyled" '
            f'aria-label="Themes in this turn">{turn_stripes}</ul></div></article>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def coder_label(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def coding_payload(
    coding: Coding, text: str, *, labels: dict | None = None, withheld: list[Withheld] = ()
) -> dict:
    """What the coding panel shows for one coding. `labels` memoises coder names across a
    page's codings (hundreds of codings, a handful of coders); words of `withheld` turns are
    replaced by the withdrawal marker in the quote (pass none to a lead)."""
    if labels is None:
        coder = coder_label(coding.coder)
    elif (coder := labels.get(coding.coder_id)) is None:
        coder = labels[coding.coder_id] = coder_label(coding.coder)
    quote = redact(text[coding.start : coding.end], coding.start, list(withheld))
    if len(quote) > 300:
        quote = quote[:300] + "…"
    return {
        "id": coding.pk,
        "theme": coding.theme.name,
        "theme_id": coding.theme_id,
        "colour": coding.theme.colour,
        "coder": coder,
        # ISO 8601 with its offset: the browser shows it in the reader's own time zone (and
        # isoformat is a third of the cost of strftime for a page of hundreds of codings).
        "created": coding.created_at.isoformat(),
        "memo": coding.memo,
        "version": coding.updated_at.isoformat(),
        "start": coding.start,
        "end": coding.end,
        "quote": quote,
        "needs_review": coding.needs_review,
    }


def dashboard_matrix_rows(data, *, measure_label: str, cell_query: str) -> SafeString:
    """The `<tr>`s of the dashboard's themes × sites matrix (a thousand linked cells: the
    template engine spent more time on them than the database on the figures)."""
    from django.urls import reverse

    from .templatetags.themes_tags import indent, shade

    label = escape(measure_label)
    query = escape(cell_query)
    width = len(data.sites) + 2
    sites = [(s.pk, escape(s.name)) for s in data.sites]
    out: list[str] = []
    for row in data.rows:
        theme = row.node.theme
        name = escape(theme.name)
        depth_class = indent(row.node.depth)
        if not theme.codable:
            out.append(
                f'<tr class="table-light"><th scope="rowgroup" colspan="{width}" '
                f'class="folder text-start {depth_class}">{name}</th></tr>'
            )
            continue
        url = reverse("themes:theme-detail", kwargs={"pk": theme.pk})
        # A zero is not a link: there is nothing behind it to read.
        cells = "".join(
            f'<td class="shade-{shade(n, data.maximum)}"><a href="{url}?site={site_pk}'
            f'{"&amp;" + query if query else ""}" aria-label="{n} {label}: {name} at {site_name}">'
            f"{n}</a></td>"
            if n
            else '<td class="shade-0">0</td>'
            for n, (site_pk, site_name) in zip(row.cells, sites, strict=True)
        )
        retired = " (retired)" if theme.retired else ""
        out.append(
            f'<tr><th scope="row" class="{depth_class}"><span class="swatch" '
            f'style="background-color: {escape(theme.colour)}" aria-hidden="true"></span> '
            f"{name}{retired}</th>{cells}"
            + (
                f'<td><a href="{url}{"?" + query if query else ""}">{row.total}</a></td></tr>'
                if row.total
                else "<td>0</td></tr>"
            )
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every piece of text above is escaped


# --- the coding workspace, drawn from one `themes.workspace.Workspace` --------------------


def workspace_turns_html(ws: Workspace) -> SafeString:
    return turns_html(ws.source, ws.turns, ws.codings, sees_withdrawn=ws.sees_withdrawn)


def _workspace_context(ws: Workspace) -> dict:
    return {
        "source": ws.source,
        "access": ws.access,
        "exercise": ws.exercise,
        "codings": ws.codings,
        "turns_html": workspace_turns_html(ws),
    }


def workspace_fragment(ws: Workspace, request: HttpRequest) -> str:
    """The re-renderable part of the page: every turn with its coded passages and stripes."""
    return render_to_string(
        "themes/includes/coding_turns.html", _workspace_context(ws), request=request
    )


def workspace_page_context(ws: Workspace) -> dict:
    """The coding page's template context (`themes/source_code.html`)."""
    source = ws.source
    return _workspace_context(ws) | {
        "themes_data": ws.themes,
        "recent_ids": ws.recent_ids,
        "memos": ws.memos,
        "can_add_theme": ws.access.can_edit,
        "urls": {
            "create": reverse("themes:coding-create", kwargs={"pk": source.pk}),
            "fragment": reverse("themes:source-turns", kwargs={"pk": source.pk}),
            "codings": reverse("themes:source-codings", kwargs={"pk": source.pk}),
            "coding": reverse("themes:coding-delete", kwargs={"pk": 0}),
            "memo": reverse("themes:coding-memo", kwargs={"pk": 0}),
        },
    }


def workspace_codings_payload(ws: Workspace) -> dict:
    """The panel's JSON for the workspace's codings (`source_workspace(pks=…)`)."""
    labels: dict = {}
    text = ws.source.text
    return {
        "codings": {
            c.pk: coding_payload(c, text, labels=labels, withheld=ws.withheld) for c in ws.codings
        }
    }


def coding_created_payload(ws: Workspace, coding: Coding, theme) -> dict:
    """The answer to a new coding: its panel entry, the turns it overlaps re-rendered
    (`source_workspace(span=…)`), and its theme (perhaps just created)."""
    return {
        "coding": coding_payload(coding, ws.source.text),
        "html": workspace_turns_html(ws) if ws.turns else "",
        "theme": {"id": theme.pk, "name": theme.name, "colour": theme.colour},
    }


def coding_memo_payload(ws: Workspace, coding: Coding, request: HttpRequest) -> dict:
    """The answer to a memo saved from the panel: the coding's entry and the whole page's
    turns (`source_workspace()`)."""
    return {
        "coding": coding_payload(coding, ws.source.text, withheld=ws.withheld),
        "html": workspace_fragment(ws, request),
    }
