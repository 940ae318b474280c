"""Writing `.qdpx` projects and `.qdc` codebooks (REFI-QDA 1.5, QDA-XML 1.0).

Mapping (shared/refi-qda/README.md §10): themes are nested `Code`s (folders and retired themes
`isCodable="false"`); each source is a `TextSource` whose text is `sources/<guid>.txt` (UTF-8,
no BOM, LF, exactly the stored text the offsets count in code points); the codings of one range
are one `PlainTextSelection` with a `Coding` per theme; memos are `Note`s with `NoteRef`s;
participants are `Case`s with the variables site, profession, agency and level; sites are
`Set`s of their sources. Every GUID is stored (`RefiGuid`) and reused on the next export.

Consent: the words of a participant who withdrew (their turns and the field-note paragraphs
attributed to them: the one exclusion, `fieldwork.consent.withheld_turns`) are replaced in the
exported text by a marker, the codings that touch them are left out, and the offsets of the
others are moved to the new text. The original file of an imported source goes with it only
when none of its words were left out. A coder in an open blind exercise exports only their
own codings (and memos) on its sources.
No path of this machine is ever written: files are `internal://` only, and no `basePath`.
"""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from lxml import etree

from fieldwork.consent import withheld_turns
from fieldwork.models import ImportJob, Source
from sites.models import Participant, Site, is_project_lead
from themes.models import Coding, Memo, Theme

from .guids import Guids

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
ORIGIN = "DWR Fieldwork"
WITHDRAWN_MARKER = "[words left out: participant withdrew consent]"
# Fixed GUIDs for the case variables (they are the same in every project we export).
VARIABLE_NAMESPACE = uuid.UUID("6a1f0c9e-4b39-4c55-9e51-2f64a7d1c0b2")
VARIABLES = ("Site", "Profession", "Agency", "Level")
MAX_INTERNAL_FILE = 2**31 - 1  # REFI-QDA §8.5


class ExportRefused(Exception):
    """The file would not validate or would break a limit of the standard; nothing is offered."""


@dataclass
class ExportResult:
    data: bytes
    filename: str
    sources: int = 0
    selections: int = 0
    codings: int = 0
    left_out: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.sources} sources, {self.selections} selections, {self.codings} codings"]
        for reason, count in sorted(self.left_out.items()):
            parts.append(f"left out: {count} {reason}")
        return "; ".join(parts)


@cache
def schema(kind: str):
    """The official schema, compiled by libxml2 (lxml). xmlschema (pure Python) reads the same
    XSD and agrees on every file the tests check, but took two thirds of a 10,000-coding
    export (12 of 19 s); libxml2 validates the same document about fifty times faster."""
    from lxml import etree

    name = "Project-mrt2019.xsd" if kind == "project" else "Codebook-mrt2019.xsd"
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def validation_errors(xml: bytes, kind: str) -> list[str]:
    """Up to five reasons `xml` does not validate against the official schema; [] if it does."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        document = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    checker = schema(kind)
    if checker.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log][:5]


def _when(value: datetime.datetime | None) -> str:
    value = value or timezone.now()
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _variable_guid(name: str) -> str:
    return str(uuid.uuid5(VARIABLE_NAMESPACE, name))


class _Writer:
    def __init__(self, namespace: str) -> None:
        self.ns = namespace

    def el(self, parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
        attributes = {k.rstrip("_"): str(v) for k, v in attrs.items() if v not in (None, "")}
        node = (
            etree.Element(f"{{{self.ns}}}{tag}", attributes, nsmap={None: self.ns})
            if parent is None
            else etree.SubElement(parent, f"{{{self.ns}}}{tag}", attributes)
        )
        if text is not None:
            node.text = text
        return node


def _theme_description(theme: Theme) -> str:
    parts = [theme.definition.strip()]
    for label, value in (
        ("Include", theme.inclusion),
        ("Exclude", theme.exclusion),
        ("Example", theme.example),
    ):
        if value.strip():
            parts.append(f"{label}: {value.strip()}")
    return "\n\n".join(p for p in parts if p)


def _codes(writer: _Writer, parent, themes: list[Theme], guids: dict[int, str], notes=None):
    """Nested `Code`s in codebook order; `notes` maps theme id -> note GUIDs (project only)."""
    children: dict[int | None, list[Theme]] = defaultdict(list)
    for theme in themes:
        children[theme.parent_id].append(theme)

    def add(node, parent_id):
        for theme in children.get(parent_id, []):
            code = writer.el(
                node,
                "Code",
                guid=guids[theme.pk],
                name=theme.name,
                isCodable="true" if theme.codable and not theme.retired else "false",
                color=theme.colour,
            )
            description = _theme_description(theme)
            if description:
                writer.el(code, "Description", description)
            for note_guid in (notes or {}).get(theme.pk, []):
                writer.el(code, "NoteRef", targetGUID=note_guid)
            add(code, theme.pk)

    add(parent, None)


def codebook_export() -> bytes:
    """The whole codebook as a `.qdc` (codebooks are project-wide: every member may take it)."""
    themes = list(Theme.objects.order_by("order", "name"))
    guids = Guids().load(Theme, [t.pk for t in themes])
    writer = _Writer(CODEBOOK_NS)
    root = writer.el(None, "CodeBook", origin=ORIGIN)
    codes = writer.el(root, "Codes")
    _codes(writer, codes, themes, guids)
    if not len(codes):
        raise ExportRefused("The codebook is empty: there is nothing to export yet.")
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", standalone=True)
    errors = validation_errors(xml, "codebook")
    if errors:
        raise ExportRefused("The codebook file would not be valid REFI-QDA: " + errors[0])
    return xml


# --- the project --------------------------------------------------------------------------


class _Redaction:
    """A source's text with the left-out turns replaced by the marker, and the map from old
    offsets to new ones for every offset outside those turns."""

    def __init__(self, text: str, ranges: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.ranges = [(s, e) for s, e in merged]
        pieces, position = [], 0
        self.ends: list[int] = []
        self.shifts: list[int] = []
        shift = 0
        for start, end in self.ranges:
            pieces.append(text[position:start])
            pieces.append(WITHDRAWN_MARKER)
            position = end
            shift += len(WITHDRAWN_MARKER) - (end - start)
            self.ends.append(end)
            self.shifts.append(shift)
        pieces.append(text[position:])
        self.text = "".join(pieces)

    def touches(self, start: int, end: int) -> bool:
        index = bisect_right(self.ends, start)
        return index < len(self.ranges) and self.ranges[index][0] < end

    def move(self, offset: int) -> int:
        index = bisect_right(self.ends, offset)
        return offset + (self.shifts[index - 1] if index else 0)


def _sites(user, site_codes: list[str] | None) -> list[Site]:
    sites = Site.objects.all() if user is None or is_project_lead(user) else None
    if sites is None:
        sites = Site.objects.visible_to(user)
    if site_codes:
        sites = sites.filter(code__in=site_codes)
        found = set(sites.values_list("code", flat=True))
        unknown = sorted(set(site_codes) - found)
        if unknown:
            raise ExportRefused(f"No site you can see has the code {', '.join(unknown)}.")
    return list(sites.order_by("name"))


def project_export(
    *,
    user=None,
    site_codes: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """The sites `user` may see (all of them for a lead or a command), or those of
    `site_codes` among them, as a validated `.qdpx`. Raises ExportRefused."""
    progress = progress or (lambda percent: None)
    sites = _sites(user, site_codes)
    if not sites:
        raise ExportRefused("There is no site to export.")
    result = ExportResult(data=b"", filename="")
    guids = Guids()
    sources = list(
        Source.objects.filter(site__in=sites)
        .select_related("site", "created_by")
        .order_by("site__name", "date", "pk")
    )
    source_ids = [s.pk for s in sources]
    # The one consent exclusion: turns of withdrawn participants and paragraphs attributed
    # to them (fieldwork.consent), whatever the role of the person exporting.
    withdrawn: dict[int, list[tuple[int, int]]] = {
        source_id: [(w.start, w.end) for w in turns]
        for source_id, turns in withheld_turns(
            source_ids=source_ids, withdrawals=Participant.objects.withdrawals()
        ).items()
    }
    codings_qs = Coding.objects.filter(source_id__in=source_ids)
    if user is not None:
        # A coder in an open blind exercise exports only their own codings on its sources.
        codings_qs = codings_qs.unblinded_for(user)
    codings = list(
        codings_qs.order_by("source_id", "start", "end", "pk").values(
            "pk", "source_id", "theme_id", "coder_id", "start", "end", "memo", "created_at"
        )
    )
    progress(20)
    themes = list(Theme.objects.order_by("order", "name"))
    memo_qs = Memo.objects.all() if user is None else Memo.objects.unblinded_for(user)
    memos = list(
        memo_qs.filter(Q(theme__isnull=False) | Q(source_id__in=source_ids))
        .select_related("author")
        .order_by("created_at", "pk")
    )
    participants = list(
        Participant.objects.filter(site__in=sites)
        .select_related("site", "profession", "agency")
        .order_by("site__name", "pseudonym")
    )
    user_ids = (
        {c["coder_id"] for c in codings}
        | {s.created_by_id for s in sources}
        | {m.author_id for m in memos}
        | ({user.pk} if getattr(user, "is_authenticated", False) else set())
    )
    user_ids.discard(None)
    users = list(get_user_model().objects.filter(pk__in=user_ids).order_by("username"))
    originals = {
        job.source_id: job
        for job in ImportJob.objects.filter(source_id__in=source_ids)
        .exclude(original="")
        .filter(original_purged_at__isnull=True)
        .order_by("created_at")
    }

    user_guids = guids.load(get_user_model(), [u.pk for u in users])
    theme_guids = guids.load(Theme, [t.pk for t in themes])
    source_guids = guids.load(Source, source_ids)
    text_guids = guids.load(Source, source_ids, role="text")
    coding_guids = guids.load(Coding, [c["pk"] for c in codings])
    memo_coding_guids = guids.load(Coding, [c["pk"] for c in codings if c["memo"].strip()], "memo")
    note_guids = guids.load(Memo, [m.pk for m in memos])
    case_guids = guids.load(Participant, [p.pk for p in participants])
    set_guids = guids.load(Site, [s.pk for s in sites])
    progress(35)

    writer = _Writer(PROJECT_NS)
    exporter_guid = user_guids.get(getattr(user, "pk", None))
    root = writer.el(
        None,
        "Project",
        name=f"{ORIGIN}: " + ", ".join(s.name for s in sites)[:200],
        origin=ORIGIN,
        creatingUserGUID=exporter_guid,
        creationDateTime=_when(None),
    )
    if users:
        users_node = writer.el(root, "Users")
        for u in users:
            writer.el(
                users_node,
                "User",
                guid=user_guids[u.pk],
                name=u.get_full_name() or u.get_username(),
                id=u.get_username()[:50],
            )
    theme_notes: dict[int, list[str]] = defaultdict(list)
    source_notes: dict[int, list[str]] = defaultdict(list)
    for memo in memos:
        (theme_notes[memo.theme_id] if memo.theme_id else source_notes[memo.source_id]).append(
            note_guids[memo.pk]
        )
    if themes:
        codebook = writer.el(root, "CodeBook")
        _codes(writer, writer.el(codebook, "Codes"), themes, theme_guids, theme_notes)
    if participants:
        variables = writer.el(root, "Variables")
        for name in VARIABLES:
            writer.el(
                variables, "Variable", guid=_variable_guid(name), name=name, typeOfVariable="Text"
            )
        cases = writer.el(root, "Cases")
        for p in participants:
            case = writer.el(cases, "Case", guid=case_guids[p.pk], name=p.pseudonym)
            values = (
                p.site.name,
                p.profession.name,
                p.agency.name if p.agency else "",
                p.get_level_display(),
            )
            for name, value in zip(VARIABLES, values, strict=True):
                node = writer.el(case, "VariableValue")
                writer.el(node, "VariableRef", targetGUID=_variable_guid(name))
                if value:
                    writer.el(node, "TextValue", value)

    files: dict[str, bytes] = {}
    coding_notes: list[tuple[str, dict]] = []
    by_source: dict[int, list[dict]] = defaultdict(list)
    for coding in codings:
        by_source[coding["source_id"]].append(coding)
    sources_node = writer.el(root, "Sources") if sources else None
    for index, source in enumerate(sources, 1):
        redaction = _Redaction(source.text, withdrawn.get(source.pk, []))
        text_guid = text_guids[source.pk]
        encoded = redaction.text.encode("utf-8")
        if len(encoded) > MAX_INTERNAL_FILE:
            raise ExportRefused(
                f"“{source.title}” is over the 2 GB a REFI-QDA file may hold (§8.5)."
            )
        files[f"sources/{text_guid}.txt"] = encoded
        creator = user_guids.get(source.created_by_id)
        original = originals.get(source.pk)
        rich_path = None
        if original and not redaction.ranges and original.filename.lower().endswith(".docx"):
            rich_guid = guids.get(source, "original")
            with original.open_original() as handle:
                files[f"sources/{rich_guid}.docx"] = handle.read()
            rich_path = f"internal://{rich_guid}.docx"
        elif original and redaction.ranges:
            result.left_out["original files (they hold withdrawn words)"] += 1
        node = writer.el(
            sources_node,
            "TextSource",
            guid=source_guids[source.pk],
            name=source.title,
            richTextPath=rich_path,
            plainTextPath=f"internal://{text_guid}.txt",
            creatingUser=creator,
            creationDateTime=_when(source.created_at),
        )
        described = [source.get_kind_display(), source.site.name]
        if source.date:
            described.append(source.date.isoformat())
        writer.el(node, "Description", " · ".join(described))
        selections: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for coding in by_source.get(source.pk, []):
            if redaction.touches(coding["start"], coding["end"]):
                result.left_out["codings on withdrawn participants' words"] += 1
                continue
            key = (redaction.move(coding["start"]), redaction.move(coding["end"]))
            selections[key].append(coding)
        selection_guids = guids.load(
            Coding, [min(c["pk"] for c in group) for group in selections.values()], "selection"
        )
        for (start, end), group in sorted(selections.items()):
            first = min(group, key=lambda c: c["pk"])
            selection = writer.el(
                node,
                "PlainTextSelection",
                guid=selection_guids[first["pk"]],
                name=redaction.text[start:end][:80],
                startPosition=start,
                endPosition=end,
                creatingUser=user_guids.get(first["coder_id"]),
                creationDateTime=_when(first["created_at"]),
            )
            for coding in group:
                element = writer.el(
                    selection,
                    "Coding",
                    guid=coding_guids[coding["pk"]],
                    creatingUser=user_guids.get(coding["coder_id"]),
                    creationDateTime=_when(coding["created_at"]),
                )
                writer.el(element, "CodeRef", targetGUID=theme_guids[coding["theme_id"]])
                if coding["memo"].strip():
                    note = memo_coding_guids[coding["pk"]]
                    writer.el(element, "NoteRef", targetGUID=note)
                    coding_notes.append((note, coding))
                result.codings += 1
            result.selections += 1
        for note_guid in source_notes.get(source.pk, []):
            writer.el(node, "NoteRef", targetGUID=note_guid)
        result.sources += 1
        progress(35 + 55 * index // len(sources))

    if memos or coding_notes:
        notes = writer.el(root, "Notes")
        for memo in memos:
            writer.el(
                writer.el(
                    notes,
                    "Note",
                    guid=note_guids[memo.pk],
                    name=f"Memo on {memo.theme or memo.source}"[:200],
                    creatingUser=user_guids.get(memo.author_id),
                    creationDateTime=_when(memo.created_at),
                ),
                "PlainTextContent",
                memo.text,
            )
        for note_guid, coding in coding_notes:
            writer.el(
                writer.el(
                    notes,
                    "Note",
                    guid=note_guid,
                    name="Memo on a coding",
                    creatingUser=user_guids.get(coding["coder_id"]),
                    creationDateTime=_when(coding["created_at"]),
                ),
                "PlainTextContent",
                coding["memo"],
            )
    sets = writer.el(root, "Sets")
    for site in sites:
        members = [s for s in sources if s.site_id == site.pk]
        node = writer.el(sets, "Set", guid=set_guids[site.pk], name=site.name)
        writer.el(node, "Description", f"Site {site.code}: {site.local_authority}")
        for source in members:
            writer.el(node, "MemberSource", targetGUID=source_guids[source.pk])
    left = "; ".join(f"{n} {reason}" for reason, n in sorted(result.left_out.items()))
    writer.el(
        root,
        "Description",
        f"Exported by {ORIGIN} on {_when(None)} from {len(sites)} site(s). "
        + (f"Left out for consent: {left}." if left else "Nothing was left out for consent."),
    )
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", standalone=True)
    errors = validation_errors(xml, "project")
    if errors:
        raise ExportRefused("The project file would not be valid REFI-QDA: " + errors[0])
    progress(95)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        for name, content in files.items():
            archive.writestr(name, content)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    scope = sites[0].code if len(sites) == 1 else "project"
    result.data = buffer.getvalue()
    result.filename = f"dwr-{scope}-{stamp}.qdpx"
    return result
