from __future__ import annotations

import datetime

import pytest
from icalendar import Calendar

from tests.factories import WorkshopFactory
from workshops import ics, selectors, services
from workshops.models import Experiment

pytestmark = pytest.mark.django_db


def _events(data: bytes) -> list:
    return [c for c in Calendar.from_ical(data).walk() if c.name == "VEVENT"]


def test_a_session_calendar_parses_back_with_its_time_place_and_a_stable_uid(world, facilitator):
    workshop = world["workshop"]
    services.workshop_update(
        workshop=workshop,
        actor=facilitator,
        date=datetime.date(2006, 5, 10),
        start_time=datetime.time(9, 30),
        end_time=datetime.time(12, 0),
        venue="Northbrook children's centre",
    )
    first = _events(ics.workshop_ics(workshop))
    assert len(first) == 1
    event = first[0]
    assert event.decoded("dtstart").replace(tzinfo=None) == datetime.datetime(2006, 5, 10, 9, 30)
    assert event.decoded("dtend").replace(tzinfo=None) == datetime.datetime(2006, 5, 10, 12, 0)
    assert str(event["location"]) == "Northbrook children's centre"
    assert "Current practice" in str(event["summary"])
    sequence = int(event["sequence"])
    services.workshop_update(workshop=workshop, actor=facilitator, start_time=datetime.time(10, 0))
    again = _events(ics.workshop_ics(workshop))[0]
    assert str(again["uid"]) == str(event["uid"])
    assert int(again["sequence"]) == sequence + 1


def test_the_series_feed_has_every_dated_session_and_the_experiment_review_dates(
    world, facilitator
):
    series = world["series"]
    for number, day in ((1, 3), (2, 17)):
        services.workshop_update(
            workshop=series.sessions.get(number=number),
            actor=facilitator,
            date=datetime.date(2006, 5, day),
        )
    Experiment.objects.create(
        site=series.site,
        agreed_in=series.sessions.get(number=1),
        title="Joint referral panel",
        owner="Team manager",
        start=datetime.date(2006, 5, 4),
        review_date=datetime.date(2006, 6, 30),
    )
    sessions, experiments = selectors.calendar_items(series=series)
    events = _events(ics.series_ics(series, sessions, experiments))
    summaries = sorted(str(e["summary"]) for e in events)
    assert len(events) == 3
    assert any("Review of experiment: Joint referral panel" in s for s in summaries)
    review = next(e for e in events if "Review" in str(e["summary"]))
    assert review.decoded("dtstart") == datetime.date(2006, 6, 30)
    assert len({str(e["uid"]) for e in events}) == 3


def test_an_undated_session_is_left_out_of_the_feed(site_a):
    workshop = WorkshopFactory(series__site=site_a, date=None)
    assert _events(ics.workshop_ics(workshop)) == []
