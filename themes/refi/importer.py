"""Landing a REFI-QDA project or codebook in one site: a preview first, then the import, whole
or not at all (one transaction).

- Codes are merged into the codebook by name (case-insensitive), or added under a new folder
  "Imported from …" (names already in the codebook then get " (imported)"), as the user chose.
- Each text source becomes a Source of the site. Its text is stored as every source here is
  (NFC, LF line endings, no control characters, trimmed) and run through the site's list of
  real names → pseudonyms, like a transcript import; both change lengths, so the text is
  normalised piece by piece between the selections' boundaries and each boundary is carried to
  its place in the stored text. The selections then cover exactly the words they covered.
- Codings are by the file's coders: one inactive account per REFI user (no password, no
  membership), found again by its GUID on a later import. Memos on codings and selections go to
  the coding's memo; memos on codes and sources become memos there.
- GUIDs of the sources, codes and codings are kept, so exporting them again reuses them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.text import slugify

from fieldwork.models import AnonymisationEntry, Source, SourceKind
from fieldwork.services import Pseudonymiser, normalise_text, source_create
from sites.models import Site
from sites.services import audit_record
from themes import services as theme_services
from themes.models import Coding, RefiGuid, Theme

from .guids import remember
from .reader import CONVENTIONS, RCode, RefiError, RProject, RSource, read

_COLOUR = re.compile(r"^#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


@dataclass
class Preview:
    """What an import would create and drop, for the page the user confirms."""

    project: RProject
    filename: str
    codes_new: list[str] = field(default_factory=list)
    codes_merged: list[str] = field(default_factory=list)
    codes_renamed: list[tuple[str, str]] = field(default_factory=list)
    folder: str = ""

    @property
    def convention_label(self) -> str:
        return CONVENTIONS[self.project.convention]

    def as_dict(self) -> dict:
        p = self.project
        return {
            "file": self.filename,
            "kind": p.kind,
            "origin": p.origin,
            "offsets": p.convention,
            "codes_new": len(self.codes_new),
            "codes_merged": len(self.codes_merged),
            "codes_renamed": len(self.codes_renamed),
            "folder": self.folder,
            "sources": len(p.sources),
            "selections": p.selections,
            "codings": p.codings,
            "memos": len(p.notes),
            "dropped": dict(p.dropped),
            "unplaced": p.unplaced,
        }


def _folder_name(project: RProject, filename: str) -> str:
    base = f"Imported from {project.origin or filename}"[:180]
    name, n = base, 1
    taken = {n.casefold() for n in Theme.objects.values_list("name", flat=True)}
    while name.casefold() in taken:
        n += 1
        name = f"{base} ({n})"
    return name


def preview(*, data: bytes, filename: str, into_folder: bool) -> Preview:
    project = read(data, filename)
    result = Preview(project=project, filename=filename)
    existing = {name.casefold(): name for name in Theme.objects.values_list("name", flat=True)}
    if into_folder:
        result.folder = _folder_name(project, filename)
    for code in project.codes:
        if code.name.casefold() not in existing:
            result.codes_new.append(code.name)
        elif into_folder:
            result.codes_renamed.append((code.name, f"{code.name} (imported)"))
        else:
            result.codes_merged.append(code.name)
    return result


# --- text and offsets ---------------------------------------------------------------------


def _stored_text(
    raw: str, boundaries: set[int], pseudonymise: Pseudonymiser
) -> tuple[str, dict[int, int]]:
    """The text as it will be stored, and where each boundary of `raw` lands in it."""
    cuts: dict[int, int] = {}
    for b in sorted({0, len(raw), *boundaries}):
        moved = b
        # Never cut a CR LF pair in two (each half would become a line break of its own),
        # nor a character from the accents composed onto it.
        while 0 < moved < len(raw) and (
            (raw[moved - 1] == "\r" and raw[moved] == "\n") or unicodedata.combining(raw[moved])
        ):
            moved += 1
        cuts[b] = moved
    points = sorted(set(cuts.values()))
    position = {}
    pieces: list[str] = []
    length = 0
    for a, b in zip(points, points[1:], strict=False):
        position[a] = length
        piece = pseudonymise(normalise_text(raw[a:b]))
        pieces.append(piece)
        length += len(piece)
    position[points[-1]] = length
    text = "".join(pieces)
    lead = len(text) - len(text.lstrip())
    stored = text.strip()
    return stored, {
        b: min(max(position[moved] - lead, 0), len(stored)) for b, moved in cuts.items()
    }


# --- the import ---------------------------------------------------------------------------


@dataclass
class ImportReport:
    preview: Preview
    sources: list[Source] = field(default_factory=list)
    themes_created: int = 0
    codings: int = 0
    memos: int = 0
    unplaced: list[str] = field(default_factory=list)


def _coder_for(guid: str, name: str, actor, cache: dict):
    if not guid:
        return actor
    if guid in cache:
        return cache[guid]
    User = get_user_model()
    content_type = ContentType.objects.get_for_model(User)
    known = RefiGuid.objects.filter(content_type=content_type, guid=guid, role="").first()
    user = User.objects.filter(pk=known.object_id).first() if known else None
    if user is None:
        base = f"imported-{slugify(name)[:40] or 'coder'}"
        username, n = base, 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{base}-{n}"
        user = User(username=username, first_name=name[:150], is_active=False)
        user.set_unusable_password()
        user.save()
        remember(user, guid)
    cache[guid] = user
    return user


def _themes(*, result: Preview, actor, into_folder: bool) -> tuple[dict[str, Theme], int]:
    """code GUID -> Theme, creating what is new; and how many were created."""
    project = result.project
    existing = {t.name.casefold(): t for t in Theme.objects.order_by(Lower("name"))}
    folder = None
    created = 0
    if into_folder:
        folder = theme_services.theme_create(
            actor=actor,
            name=result.folder,
            codable=False,
            definition=f"Codes imported from “{result.filename}”.",
        )
        created += 1
    by_guid: dict[str, Theme] = {}
    for code in project.codes:
        parent = by_guid.get(code.parent) if code.parent else folder
        name = code.name
        if name.casefold() in existing:
            if not into_folder:
                by_guid[code.guid] = existing[name.casefold()]
                continue
            name = f"{name} (imported)"
            n = 1
            while name.casefold() in existing:
                n += 1
                name = f"{code.name} (imported {n})"
        theme = theme_services.theme_create(
            actor=actor,
            name=name[:200],
            parent=parent,
            definition=code.description,
            colour=_colour(code),
            codable=code.codable,
        )
        remember(theme, code.guid)
        existing[name.casefold()] = theme
        by_guid[code.guid] = theme
        created += 1
    return by_guid, created


def _colour(code: RCode) -> str:
    value = code.colour
    if not _COLOUR.match(value):
        return ""
    if len(value) == 4:
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value.lower()


def _land_source(
    *,
    site: Site,
    actor,
    rsource: RSource,
    project: RProject,
    themes: dict[str, Theme],
    replacements: list[tuple[str, str]],
    coders: dict,
    report: ImportReport,
) -> None:
    pseudonymise = Pseudonymiser(replacements)
    boundaries = {s.start for s in rsource.selections} | {s.end for s in rsource.selections}
    text, moved = _stored_text(rsource.text, boundaries, pseudonymise)
    if not text:
        report.unplaced.append(f"“{rsource.name}” has no text once blank space is removed.")
        return
    source = source_create(
        site=site,
        kind=SourceKind.DOCUMENT,
        title=rsource.name[:300],
        actor=actor,
        text=text,
    )
    if source.text != text:
        raise RefiError(
            f"The text of “{rsource.name}” changed when it was stored, so its codings could "
            "not be placed exactly; nothing was imported."
        )
    remember(source, rsource.guid)
    report.sources.append(source)
    AnonymisationEntry.objects.bulk_create(
        AnonymisationEntry(
            source=source,
            original=original,
            pseudonym=pseudonymise.pairs[original.casefold()][1],
            count=count,
        )
        for original, count in sorted(pseudonymise.counts.items())
    )
    codings: list[tuple[Coding, str]] = []
    for selection in rsource.selections:
        start, end = moved[selection.start], moved[selection.end]
        if start >= end:
            report.unplaced.append(
                f"“{rsource.name}”: a selection covers only blank space or removed characters"
            )
            continue
        selection_memo = [project.notes[g].text for g in selection.note_guids if g in project.notes]
        for rcoding in selection.codings:
            theme = themes.get(rcoding.code_guid)
            if theme is None:
                report.unplaced.append(
                    f"“{rsource.name}”: a coding names a code that is not in the codebook"
                )
                continue
            memo = selection_memo + [
                project.notes[g].text for g in rcoding.note_guids if g in project.notes
            ]
            user_guid = rcoding.user_guid or selection.user_guid
            coder = _coder_for(
                user_guid, project.users.get(user_guid, "imported coder"), actor, coders
            )
            codings.append(
                (
                    Coding(
                        source=source,
                        site=site,
                        theme=theme,
                        coder=coder,
                        start=start,
                        end=end,
                        memo="\n\n".join(m.strip() for m in memo if m.strip()),
                    ),
                    rcoding.guid,
                )
            )
    created = Coding.objects.bulk_create([c for c, _ in codings], batch_size=1000)
    content_type = ContentType.objects.get_for_model(Coding)
    seen = set(
        RefiGuid.objects.filter(guid__in=[g for _, g in codings if g]).values_list(
            "guid", flat=True
        )
    )
    keep = []
    for coding, (_, guid) in zip(created, codings, strict=True):
        if guid and guid not in seen and len(guid) == 36:
            seen.add(guid)
            keep.append(RefiGuid(content_type=content_type, object_id=coding.pk, guid=guid))
    RefiGuid.objects.bulk_create(keep, ignore_conflicts=True, batch_size=2000)
    report.codings += len(created)
    for note_guid in rsource.note_guids:
        note = project.notes.get(note_guid)
        if note and note.text.strip():
            theme_services.memo_create(
                author=_coder_for(
                    note.user_guid, project.users.get(note.user_guid, ""), actor, coders
                ),
                text=note.text,
                source=source,
            )
            report.memos += 1


def project_import(
    *,
    site: Site,
    actor,
    data: bytes,
    filename: str,
    into_folder: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a `.qdpx` (or `.qdc`) into `site`. Raises RefiError (nothing written)."""
    progress = progress or (lambda percent: None)
    result = preview(data=data, filename=filename, into_folder=into_folder)
    project = result.project
    report = ImportReport(preview=result, unplaced=list(project.unplaced))
    progress(10)
    replacements = list(site.replacements.values_list("original", "pseudonym"))
    coders: dict = {}
    with transaction.atomic():
        themes, report.themes_created = _themes(result=result, actor=actor, into_folder=into_folder)
        for code in project.codes:
            theme = themes.get(code.guid)
            for note_guid in code.note_guids:
                note = project.notes.get(note_guid)
                if theme and note and note.text.strip():
                    theme_services.memo_create(author=actor, text=note.text, theme=theme)
                    report.memos += 1
        for index, rsource in enumerate(project.sources, 1):
            _land_source(
                site=site,
                actor=actor,
                rsource=rsource,
                project=project,
                themes=themes,
                replacements=replacements,
                coders=coders,
                report=report,
            )
            progress(10 + 85 * index // max(len(project.sources), 1))
        counts: Counter = Counter(
            {
                "sources": len(report.sources),
                "themes created": report.themes_created,
                "codings": report.codings,
                "memos": report.memos,
            }
        )
        audit_record(
            actor=actor,
            verb="refi.import",
            obj=site,
            site=site,
            changes={
                "file": filename,
                "origin": project.origin,
                **counts,
                "dropped": dict(project.dropped),
                "not placed": len(report.unplaced),
            },
        )
    return report
