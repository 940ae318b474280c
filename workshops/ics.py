"""Calendar feeds (.ics, with the icalendar library): one session, or a whole series with
its sessions and the review dates of the experiments agreed in it.

UIDs are the rows' stored UUIDs, so an event keeps its identity across downloads; SEQUENCE is
the row's `ics_sequence`, raised by the services whenever a calendar field changes."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Experiment, Workshop, WorkshopSeries, WorkshopStatus

PRODID = "-//DWR Fieldwork//Workshops//EN"
DOMAIN = "dwr-fieldwork"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _session_event(workshop: Workshop, series: WorkshopSeries, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"workshop-{workshop.uid}@{DOMAIN}")
    event.add("sequence", workshop.ics_sequence)
    event.add("dtstamp", stamp)
    event.add("summary", f"{series.site.name}: session {workshop.number}, {workshop.title}")
    zone = ZoneInfo(settings.TIME_ZONE)
    if workshop.start_time:
        start = datetime.datetime.combine(workshop.date, workshop.start_time, tzinfo=zone)
        event.add("dtstart", start)
        if workshop.end_time:
            end = datetime.datetime.combine(workshop.date, workshop.end_time, tzinfo=zone)
            event.add("dtend", end)
    else:
        event.add("dtstart", workshop.date)
        event.add("dtend", workshop.date + datetime.timedelta(days=1))
    if workshop.venue:
        event.add("location", workshop.venue)
    description = [f"Series: {series.title}"]
    if workshop.layer_focus:
        description.append(f"Time layers: {workshop.get_layer_focus_display()}")
    if workshop.target_actions:
        description.append(f"Learning actions: {workshop.get_target_actions_display()}")
    event.add("description", "\n".join(description))
    event.add("status", "CONFIRMED" if workshop.status != WorkshopStatus.PLANNED else "TENTATIVE")
    return event


def _experiment_event(experiment: Experiment, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"experiment-review-{experiment.uid}@{DOMAIN}")
    event.add("sequence", experiment.ics_sequence)
    event.add("dtstamp", stamp)
    event.add("summary", f"Review of experiment: {experiment.title}")
    event.add("dtstart", experiment.review_date)
    event.add("dtend", experiment.review_date + datetime.timedelta(days=1))
    event.add(
        "description", f"Owner: {experiment.owner}\nStatus: {experiment.get_status_display()}"
    )
    return event


def workshop_ics(workshop: Workshop) -> bytes:
    series = workshop.series
    cal = _calendar(f"{series.title}: session {workshop.number}")
    if workshop.date:
        cal.add_component(_session_event(workshop, series, timezone.now()))
    return cal.to_ical()


def series_ics(
    series: WorkshopSeries, sessions: list[Workshop], experiments: list[Experiment]
) -> bytes:
    cal = _calendar(series.title)
    stamp = timezone.now()
    for workshop in sessions:
        cal.add_component(_session_event(workshop, series, stamp))
    for experiment in experiments:
        cal.add_component(_experiment_event(experiment, stamp))
    return cal.to_ical()
