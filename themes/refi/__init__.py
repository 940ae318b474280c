"""REFI-QDA exchange: `.qdpx` projects and `.qdc` codebooks, out (`export`) and in (`reader`
parses what real tools write, `importer` lands it in a site). Every file we write is validated
against the official schemas (`schemas/`, see PROVENANCE.md) before it is offered."""
