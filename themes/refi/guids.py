"""Stable REFI-QDA GUIDs: one `RefiGuid` row per exported element, created on first use."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from themes.models import RefiGuid


class Guids:
    """GUIDs for many objects of a few models, in one query per (model, role) to read the
    existing ones and one bulk insert for the new ones."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str], dict[int, str]] = {}

    def load(self, model: type[models.Model], ids: Iterable[int], role: str = "") -> dict[int, str]:
        content_type = ContentType.objects.get_for_model(model)
        key = (content_type.pk, role)
        known = self._cache.setdefault(key, {})
        wanted = {pk for pk in ids if pk not in known}
        if not wanted:
            return known
        for object_id, guid in RefiGuid.objects.filter(
            content_type=content_type, role=role, object_id__in=wanted
        ).values_list("object_id", "guid"):
            known[object_id] = str(guid)
        missing = [pk for pk in wanted if pk not in known]
        if missing:
            rows = [
                RefiGuid(content_type=content_type, object_id=pk, role=role, guid=uuid.uuid4())
                for pk in missing
            ]
            # A concurrent export may have given some of these GUIDs already: keep theirs.
            RefiGuid.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
            for object_id, guid in RefiGuid.objects.filter(
                content_type=content_type, role=role, object_id__in=missing
            ).values_list("object_id", "guid"):
                known[object_id] = str(guid)
        return known

    def get(self, obj: models.Model, role: str = "") -> str:
        return self.load(type(obj), [obj.pk], role)[obj.pk]


def remember(obj: models.Model, guid: str, role: str = "") -> None:
    """Keep the GUID an imported object came with (unless that GUID is already taken here:
    then the object gets a fresh one on its first export)."""
    try:
        value = uuid.UUID(guid.strip("{}"))
    except ValueError:
        return
    if RefiGuid.objects.filter(guid=value).exists():
        return
    RefiGuid.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        role=role,
        defaults={"guid": value},
    )
