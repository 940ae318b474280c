"""Teach the generated access matrix about the workshops app's objects."""

from tests import access_registry as registry
from tests.factories import (
    MirrorItemFactory,
    WorkshopActivityFactory,
    WorkshopFactory,
    WorkshopSeriesFactory,
)

registry.register("workshops.WorkshopSeries", lambda site: WorkshopSeriesFactory(site=site))
registry.register(
    "workshops.Workshop", lambda site: WorkshopFactory(series=WorkshopSeriesFactory(site=site))
)
registry.register(
    "workshops.WorkshopActivity",
    lambda site: WorkshopActivityFactory(
        workshop=WorkshopFactory(series=WorkshopSeriesFactory(site=site))
    ),
)
registry.register(
    "workshops.MirrorItem",
    lambda site: MirrorItemFactory(
        workshop=WorkshopFactory(series=WorkshopSeriesFactory(site=site))
    ),
)

registry.PK_MODEL.update(
    {
        "workshops:series-detail": "workshops.WorkshopSeries",
        "workshops:series-edit": "workshops.WorkshopSeries",
        "workshops:series-add-session": "workshops.WorkshopSeries",
        "workshops:series-ics": "workshops.WorkshopSeries",
        "workshops:activity-edit": "workshops.WorkshopActivity",
        "workshops:activity-delete": "workshops.WorkshopActivity",
        "workshops:activity-move": "workshops.WorkshopActivity",
    }
)

# The workshop pack (workshops/packs/): `fmt` is a plain kwarg; a format the view does not
# make ('csv', the registry's default) is 404 like any other site's object.
registry.PK_MODEL.update(
    {
        "workshops:workshop-pack": "workshops.Workshop",
        "workshops:workshop-pack-download": "workshops.Workshop",
    }
)

# The cross-site report (workshops/reports/, /reports/cross-site/): project-wide, for project
# leads only. Its URLs name no object (`fmt` is a plain kwarg), so the matrix checks them for
# anonymous users and read-only POSTs (405: the views are GET only); every other role's 403
# is tested in tests/workshops/test_reports.py.
REPORT_URLS = ("reports:cross-site", "reports:cross-site-download")
