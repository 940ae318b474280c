"""The facilitator's workshop pack (DOMAIN A7), built from the database alone.

* `content.pack_content(workshop)` gathers everything the pack prints, with the one consent
  exclusion applied once, into a `PackContent` of plain values;
* `pdf.render_pdf(content)` lays it out with WeasyPrint from the same template the preview
  page shows; `docx.render_docx(content)` writes an editable Word document;
* `diagrams` draws the conceptual tools the analysis drawings (workshops.svg) do not cover.

`build_pack(workshop, fmt)` is the one entry point for the command, the download views and
the document jobs.
"""

from __future__ import annotations

FORMATS = ("pdf", "docx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def build_pack(workshop, fmt: str) -> tuple[bytes, int | None]:
    """The pack of `workshop` as `fmt` ('pdf' or 'docx'): (bytes, page count or None)."""
    from .content import pack_content

    if fmt not in FORMATS:
        raise ValueError(f"Choose a format: {' or '.join(FORMATS)} (not {fmt!r}).")
    content = pack_content(workshop)
    if fmt == "pdf":
        from .pdf import render_pdf

        return render_pdf(content)
    from .docx import render_docx

    return render_docx(content)


def pack_filename(workshop, fmt: str) -> str:
    return f"pack-{workshop.site.code}-session-{workshop.number}.{fmt}"
