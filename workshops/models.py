"""DWR workshop series, sessions, mirror data and packs: filled by the workshops issue.

The app exists from the start so the dependency direction (sites <- fieldwork <- themes <-
workshops) is fixed in the layout before any workshop code is written."""
