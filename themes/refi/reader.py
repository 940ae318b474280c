"""Reading `.qdpx` projects and `.qdc` codebooks as real tools write them, without trusting them.

Lenient about form (shared/refi-qda/README.md §1, §6, §7): any single root-level `*.qde`,
`sources/` in any case, file paths with or without `internal://`, GUIDs in any case and with
braces, duplicate GUIDs (objects are keyed by element type and GUID), the known namespace
variants (elements are read by local name). Strict about safety (§9): no DTD or entities, no
network, lxml's limits on tree size; zip members read by name only (never extracted), a path
that climbs out of the archive refuses the whole file, and sizes and ratios are checked before
anything is unpacked. What cannot be imported (PDF, picture, audio and video sources, graphs,
links, cases, sets) is counted with the reason, for the preview.

Offsets (§7): a selection is placed on the text decoded from UTF-8 with a leading BOM dropped
and no newline translation. The convention is chosen from `Project/@origin` (NVivo counts
UTF-16 code units) or, when selections carry their quoted text in `name` (ATLAS.ti), detected
by which convention makes the most names match the text they point at. A selection that does
not fit the text is reported, never moved.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from posixpath import normpath

from django.conf import settings
from lxml import etree

MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 2**31 - 1
MAX_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<\x00!\x00D\x00", b"<\x00!\x00E\x00")
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError, OSError)
_ZIP_ERRORS = (*_ZIP_ERRORS, RuntimeError, ValueError)

CONVENTIONS = {
    "codepoints": "Unicode code points, line breaks as written (the standard)",
    "codepoints-lf": "Unicode code points, each CR LF line break counted once",
    "utf16": "UTF-16 code units, line breaks as written (NVivo)",
    "utf16-lf": "UTF-16 code units, each CR LF line break counted once",
}


class RefiError(Exception):
    """The file is refused; the message says why in plain words."""


@dataclass
class RCode:
    guid: str
    name: str
    codable: bool = True
    colour: str = ""
    description: str = ""
    parent: str | None = None  # the parent code's guid
    note_guids: list[str] = field(default_factory=list)


@dataclass
class RCoding:
    guid: str
    code_guid: str
    user_guid: str = ""
    note_guids: list[str] = field(default_factory=list)


@dataclass
class RSelection:
    guid: str
    name: str
    start: int
    end: int
    user_guid: str = ""
    codings: list[RCoding] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)
    whole_source: bool = False


@dataclass
class RSource:
    guid: str
    name: str
    text: str
    description: str = ""
    selections: list[RSelection] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)


@dataclass
class RNote:
    guid: str
    name: str
    text: str
    user_guid: str = ""


@dataclass
class RProject:
    kind: str  # "project" or "codebook"
    origin: str = ""
    name: str = ""
    users: dict[str, str] = field(default_factory=dict)  # guid -> name
    codes: list[RCode] = field(default_factory=list)  # parents before children
    sources: list[RSource] = field(default_factory=list)
    notes: dict[str, RNote] = field(default_factory=dict)
    dropped: Counter = field(default_factory=Counter)  # reason -> count
    unplaced: list[str] = field(default_factory=list)
    convention: str = "codepoints"

    @property
    def selections(self) -> int:
        return sum(len(s.selections) for s in self.sources)

    @property
    def codings(self) -> int:
        return sum(len(sel.codings) for s in self.sources for sel in s.selections)


def normalise_guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child) == name]


def _child(element, name: str):
    found = _children(element, name)
    return found[0] if found else None


def _text_of(element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "") if child is not None else ""


def _note_refs(element) -> list[str]:
    return [normalise_guid(ref.get("targetGUID")) for ref in _children(element, "NoteRef")]


# --- the container ------------------------------------------------------------------------


class _Archive:
    def __init__(self, data: bytes) -> None:
        max_total = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except _ZIP_ERRORS as exc:
            raise RefiError(
                "This file is damaged: it is not a complete .qdpx (zip) archive."
            ) from exc
        if len(infos) > MAX_MEMBERS:
            raise RefiError(
                f"This project holds {len(infos):,} files, more than the {MAX_MEMBERS:,} "
                "this app accepts."
            )
        total = 0
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename.replace("\\", "/")
            if name.startswith("/") or ".." in name.split("/") or ":" in name.split("/")[0]:
                raise RefiError(
                    "This file was refused: it contains a path that points outside the "
                    f"archive (“{info.filename[:80]}”), as only deliberately built files do."
                )
            if info.file_size > MAX_MEMBER_BYTES:
                raise RefiError(
                    f"“{name[:80]}” in this project is over the 2 GB a REFI-QDA file may hold."
                )
            if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise RefiError(
                    f"This file was refused: “{name[:80]}” unpacks to more than {MAX_RATIO} "
                    "times its packed size, which only deliberately built 'zip bomb' files do."
                )
            total += info.file_size
            if not info.is_dir():
                self.members[normpath(name).lower()] = info
        if total > max_total:
            raise RefiError(
                f"This project would unpack to {total / 1024 / 1024:.0f} MB, over the limit "
                f"of {max_total / 1024 / 1024:.0f} MB."
            )

    def project_member(self) -> zipfile.ZipInfo:
        found = [
            info for name, info in self.members.items() if "/" not in name and name.endswith(".qde")
        ]
        if not found:
            raise RefiError(
                "This archive has no project file (a .qde file at its top level), so it is not "
                "a REFI-QDA project."
            )
        if len(found) > 1:
            raise RefiError("This archive has more than one .qde project file; which one is meant?")
        return found[0]

    def read(self, info: zipfile.ZipInfo) -> bytes:
        try:
            with self.zip.open(info) as handle:
                return handle.read(info.file_size + 1)[: info.file_size]
        except _ZIP_ERRORS as exc:
            raise RefiError(f"“{info.filename[:80]}” in this project is damaged.") from exc

    def find(self, path: str) -> zipfile.ZipInfo | None:
        """A source file named by `internal://name`, a bare name (qc) or `sources/name`, with
        the folder in any case. Relative and absolute paths point outside: None."""
        path = (path or "").strip()
        lowered = path.lower()
        if lowered.startswith(("relative:", "absolute:", "file:", "http:", "https:")):
            return None
        name = path[len("internal://") :] if lowered.startswith("internal://") else path
        name = normpath(name.replace("\\", "/")).lower()
        if name.startswith("/") or ".." in name.split("/"):
            return None
        return self.members.get(f"sources/{name}") or self.members.get(name)


def _parse_xml(data: bytes, what: str):
    head = data[:4096]
    if any(marker in data for marker in _DTD_MARKERS) or b"<!DOCTYPE" in head.upper():
        raise RefiError(
            f"This {what} contains unsafe XML (a document type declaration with entities, as "
            "used by 'XML bomb' attacks), so it was not opened."
        )
    try:
        return etree.fromstring(data, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise RefiError(f"This {what} is damaged: its XML cannot be read ({exc}).") from None


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text[1:] if text.startswith("\ufeff") else text


# --- reading ------------------------------------------------------------------------------


def read(data: bytes, filename: str) -> RProject:
    """Parse a `.qdpx` or `.qdc`; raises RefiError with a plain message when refused."""
    if not data:
        raise RefiError("The file is empty.")
    max_bytes = settings.REFI_IMPORT_MAX_BYTES
    if len(data) > max_bytes:
        raise RefiError(
            f"The file is {len(data) / 1024 / 1024:.0f} MB, over the limit of "
            f"{max_bytes / 1024 / 1024:.0f} MB for a REFI-QDA import."
        )
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        archive = _Archive(data)
        root = _parse_xml(archive.read(archive.project_member()), "project file")
    elif data.lstrip()[:1] == b"<" or data[:3] == b"\xef\xbb\xbf":
        archive = None
        root = _parse_xml(data, "codebook" if filename.lower().endswith(".qdc") else "file")
    else:
        raise RefiError(
            f"“{filename}” is not a REFI-QDA file: a project (.qdpx) is a zip archive and a "
            "codebook (.qdc) is an XML file."
        )
    kind = _local(root)
    namespace = etree.QName(root).namespace or ""
    if kind not in ("Project", "CodeBook") or (namespace and "QDA-XML" not in namespace):
        raise RefiError(
            f"“{filename}” is XML but not a REFI-QDA project or codebook (it starts with <{kind}>)."
        )
    if kind == "Project" and archive is None:
        raise RefiError(
            "This is a bare project file (.qde); upload the whole .qdpx archive it came in."
        )
    project = RProject(
        kind="project" if kind == "Project" else "codebook",
        origin=(root.get("origin") or "").strip(),
        name=(root.get("name") or "").strip(),
    )
    codebook = root if kind == "CodeBook" else _child(root, "CodeBook")
    if codebook is not None:
        codes = _child(codebook, "Codes")
        if codes is not None:
            _read_codes(project, codes, None, set())
    if kind == "CodeBook":
        if not project.codes:
            raise RefiError("This codebook has no codes in it.")
        return project
    users = _child(root, "Users")
    for user in _children(users, "User") if users is not None else []:
        guid = normalise_guid(user.get("guid"))
        project.users[guid] = (user.get("name") or user.get("id") or "imported coder").strip()
    notes = _child(root, "Notes")
    for note in _children(notes, "Note") if notes is not None else []:
        text = _text_of(note, "PlainTextContent")
        if not text and note.get("plainTextPath"):
            info = archive.find(note.get("plainTextPath"))
            text = (_decode(archive.read(info)) or "") if info else ""
        guid = normalise_guid(note.get("guid"))
        project.notes[guid] = RNote(
            guid, (note.get("name") or "").strip(), text, normalise_guid(note.get("creatingUser"))
        )
    sources = _child(root, "Sources")
    for element in list(sources) if sources is not None else []:
        tag = _local(element)
        if tag == "TextSource":
            _read_text_source(project, archive, element)
        elif tag:
            reason = {
                "PDFSource": "PDF sources (only text can be coded here)",
                "PictureSource": "picture sources",
                "AudioSource": "audio sources",
                "VideoSource": "video sources",
            }.get(tag, f"{tag} elements")
            project.dropped[reason] += 1
    for container, child, reason in (
        ("Graphs", "Graph", "graphs (drawn networks are not kept)"),
        ("Links", "Link", "links between objects"),
        ("Sets", "Set", "sets (the import lands in one site)"),
        ("Cases", "Case", "cases (participants are not created from a file)"),
    ):
        node = _child(root, container)
        if node is not None and len(_children(node, child)):
            project.dropped[reason] += len(_children(node, child))
    _place_selections(project)
    return project


def _read_codes(project: RProject, node, parent: str | None, seen: set[str]) -> None:
    for element in _children(node, "Code"):
        guid = normalise_guid(element.get("guid"))
        name = " ".join((element.get("name") or "").split())
        if not name:
            project.dropped["codes without a name"] += 1
            continue
        if guid in seen:
            project.dropped["codes listed twice (same GUID)"] += 1
            continue
        seen.add(guid)
        description = _text_of(element, "Description").strip()
        project.codes.append(
            RCode(
                guid=guid,
                name=name,
                codable=(element.get("isCodable") or "true").strip().lower() != "false",
                colour=(element.get("color") or "").strip(),
                description=description,
                parent=parent,
                note_guids=_note_refs(element),
            )
        )
        _read_codes(project, element, guid, seen)


def _read_codings(element) -> list[RCoding]:
    codings = []
    for coding in _children(element, "Coding"):
        ref = _child(coding, "CodeRef")
        if ref is None:
            continue
        codings.append(
            RCoding(
                guid=normalise_guid(coding.get("guid")),
                code_guid=normalise_guid(ref.get("targetGUID")),
                user_guid=normalise_guid(coding.get("creatingUser")),
                note_guids=_note_refs(coding),
            )
        )
    return codings


def _read_text_source(project: RProject, archive: _Archive, element) -> None:
    name = (element.get("name") or "Imported source").strip()
    text = None
    inline = _child(element, "PlainTextContent")
    if inline is not None and inline.text:
        text = inline.text
    else:
        path = element.get("plainTextPath") or ""
        info = archive.find(path) if path else None
        if info is None:
            reason = (
                "sources whose text file is outside the archive"
                if path.lower().startswith(("relative:", "absolute:"))
                else "sources whose text file is missing from the archive"
            )
            project.dropped[reason] += 1
            return
        text = _decode(archive.read(info))
        if text is None:
            project.dropped["sources whose text is not UTF-8"] += 1
            return
    source = RSource(
        guid=normalise_guid(element.get("guid")),
        name=name,
        text=text,
        description=_text_of(element, "Description").strip(),
        note_guids=_note_refs(element),
    )
    for selection in _children(element, "PlainTextSelection"):
        try:
            start = int(selection.get("startPosition"))
            end = int(selection.get("endPosition"))
        except (TypeError, ValueError):
            project.unplaced.append(f"{name}: a selection without numeric positions")
            continue
        source.selections.append(
            RSelection(
                guid=normalise_guid(selection.get("guid")),
                name=selection.get("name") or "",
                start=start,
                end=end,
                user_guid=normalise_guid(selection.get("creatingUser")),
                codings=_read_codings(selection),
                note_guids=_note_refs(selection),
            )
        )
    whole = _read_codings(element)
    if whole:
        source.selections.append(
            RSelection(guid="", name="", start=0, end=-1, codings=whole, whole_source=True)
        )
    project.sources.append(source)


# --- offsets ------------------------------------------------------------------------------


class _Counting:
    """Maps an offset of one counting convention to a code point index of the raw text."""

    def __init__(self, text: str, convention: str) -> None:
        self.text = text
        self.utf16 = convention.startswith("utf16")
        self.crlf_once = convention.endswith("-lf")
        counted = text.replace("\r\n", "\n") if self.crlf_once else text
        # Code point indexes (in `counted`) of the CR LFs, minus how many came before each.
        self.crlf = []
        if self.crlf_once:
            position = text.find("\r\n")
            count = 0
            while position != -1:
                self.crlf.append(position - count)
                count += 1
                position = text.find("\r\n", position + 2)
        # UTF-16 unit positions of astral characters in `counted`.
        self.astral = []
        if self.utf16:
            units = 0
            for char in counted:
                if ord(char) > 0xFFFF:
                    self.astral.append(units)
                    units += 2
                else:
                    units += 1
            self.length = units
        else:
            self.length = len(counted)

    def to_raw(self, offset: int) -> int | None:
        if offset < 0 or offset > self.length:
            return None
        if self.utf16:
            before = bisect_left(self.astral, offset)
            if before and self.astral[before - 1] == offset - 1:
                return None  # between the two halves of a surrogate pair
            offset -= before
        if self.crlf_once:
            offset += bisect_left(self.crlf, offset)
        return offset


def _name_matches(name: str, text: str) -> bool | None:
    """Does the selection's name quote the text it points at? None when the name is no quote."""
    name = name.replace("\r\n", "\n").rstrip("…").rstrip(".").strip()
    if len(name) < 4:
        return None
    return " ".join(text.replace("\r\n", "\n").split()).startswith(" ".join(name.split())[:60])


def _choose_convention(project: RProject) -> str:
    order = ["codepoints", "utf16", "codepoints-lf", "utf16-lf"]
    if project.origin.lower().startswith("nvivo"):
        order = ["utf16", "codepoints", "utf16-lf", "codepoints-lf"]
    scores = dict.fromkeys(order, 0)
    tried = 0
    for source in project.sources:
        counters = {c: _Counting(source.text, c) for c in order}
        for selection in source.selections:
            if selection.whole_source or tried > 2000:
                continue
            sample = None
            for convention, counting in counters.items():
                start, end = counting.to_raw(selection.start), counting.to_raw(selection.end)
                if start is None or end is None or start >= end:
                    continue
                matched = _name_matches(selection.name, source.text[start:end])
                if matched is None:
                    break
                sample = True
                scores[convention] += int(matched)
            tried += bool(sample)
    best = max(order, key=lambda c: (scores[c], -order.index(c)))
    return best if scores[best] else order[0]


def _place_selections(project: RProject) -> None:
    """Turn every selection's offsets into code points of its source's raw text, in the
    convention chosen for the file; report those that do not fit."""
    project.convention = _choose_convention(project)
    for source in project.sources:
        counting = _Counting(source.text, project.convention)
        placed = []
        for selection in source.selections:
            if selection.whole_source:
                selection.start, selection.end = 0, len(source.text)
                placed.append(selection)
                continue
            start, end = counting.to_raw(selection.start), counting.to_raw(selection.end)
            if start is None or end is None or start >= end:
                project.unplaced.append(
                    f"“{source.name}”: the selection [{selection.start}, {selection.end}) "
                    f"does not fit its text ({counting.length} characters)"
                )
                continue
            selection.start, selection.end = start, end
            placed.append(selection)
        source.selections = placed
