"""Opening .docx/.odt zips and their XML without trusting them.

* Zip bombs: the members' declared sizes are summed *before* anything is extracted, and a
  member over 1 MB that claims to compress more than 200:1 is refused. zipfile itself stops
  a member at its declared size (and then fails its CRC check), so a member that lies about
  its size cannot expand past the limit either.
* XML bombs and external entities: Office and OpenDocument parts never carry a DTD, so any
  `<!DOCTYPE`/`<!ENTITY` in a part we read is refused outright (the same rule defusedxml
  applies with forbid_dtd), and the parts are then parsed by lxml with entity resolution,
  DTD loading and network access off.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from lxml import etree

from .base import TranscriptError, describe_content, mismatch_error

MAX_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024

_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)

_DAMAGED = {
    "docx": "This .docx file is damaged or is not really a Word document.",
    "odt": "This .odt file is damaged or is not really an OpenDocument text document.",
}

# Everything zipfile, zlib and lxml raise on a damaged or truncated archive.
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    NotImplementedError,  # an unsupported compression method
    RuntimeError,  # an encrypted member
    OSError,
    ValueError,
    etree.XMLSyntaxError,
)


def damaged(ext: str) -> TranscriptError:
    return TranscriptError(_DAMAGED[ext])


def open_zip(data: bytes, ext: str, max_uncompressed_bytes: int) -> zipfile.ZipFile:
    if data[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        looks_like = describe_content(data)
        if looks_like is None:
            try:
                data[:2000].decode("utf-8")
                looks_like = "plain text"
            except UnicodeDecodeError:
                looks_like = "some other kind of file"
        raise mismatch_error(ext, looks_like)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except ZIP_ERRORS as exc:
        raise damaged(ext) from exc
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise TranscriptError(
                f"This .{ext} file was refused: one of its parts unpacks to more than "
                f"{MAX_RATIO} times its packed size, which only deliberately built "
                "'zip bomb' files do."
            )
    if total > max_uncompressed_bytes:
        raise TranscriptError(
            f"This .{ext} file is too large: it would unpack to "
            f"{total / 1024 / 1024:.0f} MB, over the limit of "
            f"{max_uncompressed_bytes / 1024 / 1024:.0f} MB."
        )
    return zf


def read_member(zf: zipfile.ZipFile, name: str, ext: str) -> bytes:
    try:
        info = zf.getinfo(name)
        with zf.open(info) as handle:
            # Never read past the declared (and already checked) size.
            return handle.read(info.file_size + 1)[: info.file_size]
    except ZIP_ERRORS as exc:
        raise damaged(ext) from exc


def parse_xml(data: bytes, ext: str) -> etree._Element:
    if any(marker in data for marker in _DTD_MARKERS):
        raise TranscriptError(
            f"This .{ext} file contains unsafe XML (a document type declaration with "
            "entities, as used by 'XML bomb' attacks), so it was not opened."
        )
    try:
        return etree.fromstring(data, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise damaged(ext) from exc
