"""Dates written by locale in CSV exports: day-first or month-first, decided per file; date-only values.

A control-panel export writes ``09/01/24`` the way the admin's locale does. The reader never
guesses: each file's own values decide (``rawcsv.file_date_order``, kept per row as ``r.__dmy``),
or the source's ``date_order`` option does. :func:`local_time` reads a field with the reader's
``date_formats`` turned to that order; in a file whose values cannot tell (no number above 12)
or that proves both orders, every date that would read differently either way is quarantined
with the reason, never read month-first by default.

A creation time given as a date only (BigCommerce *Date Joined*) is not a time: :func:`created`
keeps it in ``created_on`` and leaves ``created_at`` empty, so no cause is decided on a guessed
midnight. An ERP record's creation date without a time (an Intacct list export's ``03/12/2026``)
is read as the last moment of that day by :func:`record_created`: a record the export shows created on
the as-of day may have been created after the as-of time, and read as that day's start it would
make the customer it matches present (an all-clear the as-of does not support); read as the day's
end it counts from the next day, so the customer is counted until a run whose as-of is past that day.

Older Adobe Commerce admin grids write a 24-hour hour followed by a redundant AM/PM marker
(``Jun 16, 2026 14:12:44 PM``): :func:`meridiem` writes such a time the 12-hour way (``2:12:44 PM``)
before the formats are tried, and quarantines a time whose hour and marker disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridgewatch.sources.rawcsv import SLASH_DATE
from bridgewatch.sources.shapes import Field, Rule, timestamp
from bridgewatch.sql import literal

AMBIGUOUS = ("day-first or month-first? No date in this file has a day above 12, so this one reads two ways; "
             "set the source's date_order option to day_first or month_first")
CONFLICT = ("this file has dates that only read day-first and others that only read month-first; export it "
            "again with one date format, or set the date_order option")
DATE_ONLY = ("'^\\s*([0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{1,4}|[0-9]{1,2} [A-Za-z]{3,9},? [0-9]{4}"
             "|[A-Za-z]{3,9} [0-9]{1,2},? [0-9]{4})\\s*$'")
"""A date without a time of day: ``06/16/2026``, ``2026-06-16``, ``16 Jun 2026``, ``Jun 16, 2026``."""


CLOCK = r"(^|[^0-9])([0-9]{1,2})(:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?\s*)([AaPp][Mm])\s*$"
"""A time of day ending a value, with its AM/PM marker: (before, hour, minutes and seconds, marker)."""
AM_AFTERNOON = ("the hour is 13 to 23 (a 24-hour clock) but the time is marked AM: the hour says afternoon, the "
                "marker morning; correct the value or export the grid again")
PM_MIDNIGHT = ("the hour is 0 (midnight on a 24-hour clock) but the time is marked PM: the hour says midnight, the "
               "marker afternoon; correct the value or export the grid again")


def meridiem(field: Field) -> Field:
    """``field`` with a 24-hour time followed by AM/PM written the 12-hour way, so ``%I ... %p`` formats read it.

    ``14:12:44 PM`` → ``2:12:44 PM`` (hours 13–23 with PM), ``00:12:44 AM`` → ``12:12:44 AM`` (hour 0 with
    AM); a 12-hour time (``2:12:44 PM``, ``12:05:00 AM`` for midnight) is unchanged. An hour the marker
    contradicts (13–23 with AM, 0 with PM) is quarantined by the field's rules with what is wrong; its value is
    rewritten all the same, so the rule is the row's only problem (not also "expected a date").
    """
    hour = f"TRY_CAST(regexp_extract({field.sql}, {literal(CLOCK)}, 2) AS INTEGER)"
    marker = f"upper(regexp_extract({field.sql}, {literal(CLOCK)}, 4))"
    twelve = f"(CASE WHEN {hour} BETWEEN 13 AND 23 THEN {hour} - 12 WHEN {hour} = 0 THEN 12 END)"
    sql = (f"(CASE WHEN {twelve} IS NULL THEN {field.sql} ELSE regexp_replace({field.sql}, {literal(CLOCK)}, "
           f"'\\1' || CAST({twelve} AS VARCHAR) || '\\3\\4') END)")
    rules = (Rule(field.sql, f"{hour} BETWEEN 13 AND 23 AND {marker} = 'AM'", AM_AFTERNOON),
             Rule(field.sql, f"{hour} = 0 AND {marker} = 'PM'", PM_MIDNIGHT))
    return Field(sql, field.source, field.hint, rules=(*field.rules, *rules))


def orient(fmt: str, order: str) -> str:
    """``fmt`` with ``%d`` and ``%m`` in the order ``dmy`` or ``mdy``; formats without both, and year-first ones
    (``%Y-%m-%d``: ISO, written so in every locale and by a workbook's date cells), unchanged."""
    d, m = fmt.find("%d"), fmt.find("%m")
    if d < 0 or m < 0 or fmt.lstrip().startswith(("%Y", "%y")) or (d < m) == (order == "dmy"):
        return fmt
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def local_time(field: Field, formats: Sequence[str], *, example: str | None = None) -> Field:
    """A timestamp in one of ``formats``, with day and month in the order the row's file proves."""
    given = timestamp(field, formats, example=example)
    day_first = [orient(f, "dmy") for f in formats]
    month_first = [orient(f, "mdy") for f in formats]
    either = timestamp(field, [*month_first, *day_first]).sql  # read, so only the rule below reports the row
    sql = (f"(CASE r.__dmy WHEN 'dmy' THEN {timestamp(field, day_first).sql} WHEN 'mdy' THEN "
           f"{timestamp(field, month_first).sql} WHEN 'ambiguous' THEN {either} WHEN 'conflict' THEN {either} "
           f"ELSE {given.sql} END)")
    part = [f"TRY_CAST(regexp_extract({field.sql}, {literal(SLASH_DATE)}, {g}) AS INTEGER)" for g in (1, 2)]
    two_ways = f"{part[0]} <> {part[1]}"
    rules = (Rule(field.sql, f"r.__dmy = 'ambiguous' AND {two_ways}", AMBIGUOUS),
             Rule(field.sql, f"r.__dmy = 'conflict' AND {two_ways}", CONFLICT))
    return Field(sql, field.source, given.hint, rules=(*field.rules, *rules))


def created(field: Field, formats: Sequence[str]) -> dict[str, Field]:
    """``created_at`` (a time of day is known) and ``created_on`` (only a date is) from one vendor field."""
    when = local_time(field, formats)
    date_only = f"regexp_matches({field.sql}, {DATE_ONLY})"
    return {
        "created_at": Field(f"CASE WHEN NOT {date_only} THEN {when.sql} END", field.source, when.hint,
                            rules=when.rules),
        "created_on": Field(f"CASE WHEN {date_only} THEN left({when.sql}, 10) END", field.source,
                            "expected a date such as 06/16/2026 (see date_formats)"),
    }


ISO_DATE_ONLY = "'^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\\s*$'"
"""An ISO-8601 date without a time of day (an OData ``Edm.Date``: ``2026-04-14``)."""


def iso_record_created(field: Field) -> Field:
    """An ERP record's creation time written ISO-8601 (D365 F&O's ``created_field``); a date alone (an ``Edm.Date``)
    is that day's last moment, as :func:`record_created` reads one, so a record the field dates on the as-of day
    never makes its customer present before the as-of time. Every other value is passed on as it is."""
    return Field(f"(CASE WHEN regexp_matches({field.sql}, {ISO_DATE_ONLY}) THEN trim({field.sql}) || "
                 f"' 23:59:59.999999' ELSE {field.sql} END)", field.source, field.hint, rules=field.rules)


def record_created(field: Field, formats: Sequence[str], *, example: str | None = None) -> Field:
    """An ERP record's creation time (:func:`local_time`); a date without a time of day is that day's last moment.

    The cards count a record as existing when it was created before the as-of time: a date alone cannot say
    that for a record created on the as-of day, so it counts from the day after (a customer may be counted a
    day longer than the exact time would say, never cleared before the record existed). Every other value,
    and a date that does not read, is :func:`local_time`'s (so its quarantine reason is unchanged).
    """
    when = local_time(field, formats, example=example)
    date_only = f"regexp_matches({field.sql}, {DATE_ONLY})"
    end = f"CAST(TRY_CAST({when.sql} AS TIMESTAMP) + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND AS VARCHAR)"
    return Field(f"(CASE WHEN {date_only} THEN COALESCE({end}, {when.sql}) ELSE {when.sql} END)", field.source,
                 when.hint, rules=when.rules)
