"""Teach the generated access matrix about the analysis area's objects. The analysis URLs
live in their own namespace ('analysis'), which is not an app label, so every URL that
names an object says which model here."""

from tests import access_registry as registry

from .analysis_factories import (
    ActivityModelFactory,
    ContradictionFactory,
    DisturbanceFactory,
    EntryFactory,
    ExperimentFactory,
    SharedObjectFactory,
)

registry.register("workshops.ActivitySystemModel", lambda site: ActivityModelFactory(site=site))
registry.register(
    "workshops.ElementEntry", lambda site: EntryFactory(model=ActivityModelFactory(site=site))
)
registry.register("workshops.SharedObject", lambda site: SharedObjectFactory(site=site))
registry.register("workshops.Contradiction", lambda site: ContradictionFactory(site=site))
registry.register("workshops.Disturbance", lambda site: DisturbanceFactory(site=site))
registry.register("workshops.Experiment", lambda site: ExperimentFactory(site=site))

registry.PK_MODEL.update(
    {
        "analysis:model-detail": "workshops.ActivitySystemModel",
        "analysis:model-edit": "workshops.ActivitySystemModel",
        "analysis:model-svg": "workshops.ActivitySystemModel",
        "analysis:model-new-version": "workshops.ActivitySystemModel",
        "analysis:model-entry-create": "workshops.ActivitySystemModel",
        "analysis:entry-edit": "workshops.ElementEntry",
        "analysis:entry-delete": "workshops.ElementEntry",
        "analysis:shared-object-detail": "workshops.SharedObject",
        "analysis:shared-object-svg": "workshops.SharedObject",
        "analysis:disturbance-detail": "workshops.Disturbance",
        "analysis:contradiction-detail": "workshops.Contradiction",
        "analysis:contradiction-status": "workshops.Contradiction",
        "analysis:experiment-edit": "workshops.Experiment",
    }
)
