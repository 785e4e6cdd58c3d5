"""Country names, ISO-3 codes and common variants → ISO 3166-1 alpha-2, for every reader.

Vendors write countries as codes as often as names: Sage Intacct ``MAILADDRESS.COUNTRY`` ("United
Kingdom"), BigCommerce ``country`` and CSV exports ("Ireland"), F&O ``AddressCountryRegionId``
("GBR"), stores in other languages ("Deutschland", "Royaume-Uni"). The lookup is built from
pycountry (the ISO 3166 database it maintains: alpha-2, alpha-3, names, official and common names,
and their translations in the languages below) plus :data:`VARIANTS`, the everyday names ISO does
not list ("UK", "Great Britain", "USA", "Republic of Ireland", "Holland", "UAE"). A name that two
countries share is left out rather than guessed.

Values are compared by :func:`key_sql`: lower-cased, accents and dots removed, "&" between words read
as "and", a trailing ", the" dropped, runs of spaces, hyphens and commas folded, a leading "the"
dropped and a leading "st" read as "saint" (so "St Kitts & Nevis" and "Bahamas, The" are found with
no entry of their own). :func:`country` marks a reader's field for the lookup, which the mapping does
as one join per column (:func:`looked_up`): a known value becomes its alpha-2 code, anything else
stays, so :func:`checks` quarantines it with the value and :data:`HINT` (or, for a :data:`RETIRED`
country, the reason given there).
"""

from __future__ import annotations

import gettext
import hashlib
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pycountry

from bridgewatch.ingest.canonical import local_connection, shared_table
from bridgewatch.ingest.diskcache import cached_table
from bridgewatch.ingest.pyvalues import table_of
from bridgewatch.ingest.typing import Check
from bridgewatch.sources.shapes import Field, q
from bridgewatch.sql import literal

TABLE = "__bw_countries"
CODES = "__bw_country_codes"
RETIRED_TABLE = "__bw_retired_countries"
TEXT_PAIR = {"name": pa.string(), "alpha2": pa.string()}
LANGUAGES = ("de", "fr", "es", "it", "nl", "pt", "sv", "da", "pl")
"""Languages whose country names are also recognised (the store languages of the vendors' markets)."""
VARIANTS: dict[str, str] = {
    "UK": "GB", "U.K.": "GB", "Great Britain": "GB", "Britain": "GB", "England": "GB", "Scotland": "GB",
    "Wales": "GB", "Northern Ireland": "GB", "United Kingdom of Great Britain": "GB",
    "USA": "US", "U.S.A.": "US", "U.S.": "US", "United States of America": "US", "America": "US",
    "Republic of Ireland": "IE", "Eire": "IE", "Éire": "IE",
    "Holland": "NL", "The Netherlands": "NL", "Russia": "RU", "Czech Republic": "CZ", "Turkey": "TR",
    "South Korea": "KR", "Korea": "KR", "North Korea": "KP", "Vatican": "VA", "Vatican City": "VA",
    "Ivory Coast": "CI", "Macedonia": "MK", "Swaziland": "SZ", "Burma": "MM", "Cape Verde": "CV",
    "Hong Kong SAR": "HK", "Macau": "MO", "Kosovo": "XK", "XK": "XK", "EL": "GR",
    "UAE": "AE", "US Virgin Islands": "VI", "Sint Maarten": "SX", "Saint Helena": "SH", "East Timor": "TL",
    "AC": "SH", "Ascension Island": "SH", "Ascension": "SH", "TA": "SH", "Tristan da Cunha": "SH",
    "Palestine": "PS", "Democratic Republic of the Congo": "CD", "DR Congo": "CD", "Falkland Islands": "FK",
    "Holy See": "VA", "Libyan Arab Jamahiriya": "LY",
    # Names written "surname first" in reference lists (the CIA World Factbook's, many ERPs' pick lists).
    "Korea, South": "KR", "Korea, North": "KP", "Congo (Kinshasa)": "CD", "Congo-Kinshasa": "CD",
    "Congo (Brazzaville)": "CG", "Congo-Brazzaville": "CG", "Bosnia": "BA", "Bosnia-Herzegovina": "BA",
    "Vatican City State": "VA", "Palestinian Territories": "PS", "Caribbean Netherlands": "BQ", "Bonaire": "BQ",
    "St Maarten": "SX", "St Vincent": "VC", "Antigua": "AG", "Trinidad": "TT", "Suomi": "FI",
    # Former names of a country that is one country today.
    "Zaire": "CD", "Ceylon": "LK", "Kampuchea": "KH", "Dahomey": "BJ", "Upper Volta": "BF", "Persia": "IR",
    "East Germany": "DE", "West Germany": "DE",
}
"""Everyday names and codes ISO 3166 does not list (``XK`` Kosovo is the code vendors use; ``EL`` is
Greece's EU code; ``AC`` Ascension Island and ``TA`` Tristan da Cunha, codes ISO reserves and Shopify's country
list uses, are parts of Saint Helena, Ascension and Tristan da Cunha, ``SH``; "Libyan Arab Jamahiriya" is Libya's
name before 2011). Spelling variants need no entry
here: :func:`key_sql` already reads "&" as "and", a leading "St" as "Saint" and "Bahamas, The" as
"Bahamas"."""
RETIRED: dict[str, str] = {
    **dict.fromkeys(("Netherlands Antilles", "AN", "ANT"),
                    "the Netherlands Antilles were dissolved in 2010 into Curaçao (CW), Sint Maarten (SX) and "
                    "Bonaire, Sint Eustatius and Saba (BQ): write the one the address is in"),
    **dict.fromkeys(("Yugoslavia", "YU", "YUG", "Serbia and Montenegro", "SCG"),
                    "Yugoslavia (later Serbia and Montenegro) is now Serbia (RS), Montenegro (ME), Slovenia (SI), "
                    "Croatia (HR), Bosnia and Herzegovina (BA), North Macedonia (MK) and Kosovo (XK): write the one "
                    "the address is in"),
    **dict.fromkeys(("Czechoslovakia", "CSK"),
                    "Czechoslovakia was dissolved in 1993 into Czechia (CZ) and Slovakia (SK): write the one the "
                    "address is in"),
    **dict.fromkeys(("Soviet Union", "USSR", "SU", "SUN"),
                    "the Soviet Union was dissolved in 1991 into fifteen countries (Russia RU, Ukraine UA, ...): "
                    "write the one the address is in"),
    **dict.fromkeys(("St Martin", "Saint Martin"),
                    "the island of Saint Martin is two countries: Saint Martin (MF, the French part) and Sint "
                    "Maarten (SX, the Dutch part): write the one the address is in"),
}
"""Names that are more than one country today (countries that were dissolved into several, an island
that is two): quarantined with the reason given, never guessed (a former name with one successor is in
:data:`VARIANTS`)."""
HINT = ("unknown country (expected an ISO 3166 code such as GB or GBR, or a country name such as "
        "United Kingdom)")


def key_sql(expr: str) -> str:
    """SQL: the comparison key of a country value (see the module docstring)."""
    folded = f"regexp_replace(strip_accents(lower(trim(CAST({expr} AS VARCHAR)))), '[.]', '', 'g')"
    anded = f"regexp_replace(regexp_replace({folded}, '(\\S)\\s*&\\s*(\\S)', '\\1 and \\2', 'g'), ',\\s*the$', '')"
    spaced = f"trim(regexp_replace({anded}, '[\\s,_-]+', ' ', 'g'))"
    return f"regexp_replace(regexp_replace({spaced}, '^the ', ''), '^st ', 'saint ')"


def _inputs() -> list[str]:
    """Everything the lookup tables are made from, for the disk cache's fingerprint: the libraries' versions,
    this module's own text (its names, variants, languages and how it builds the tables) and the key SQL."""
    return [str(getattr(pycountry, "__version__", None) or metadata.version("pycountry")), duckdb.__version__,
            _own_text(), key_sql("name")]


def _own_text() -> str:
    try:
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    except OSError:  # installed without its source: every variant, name and language spelled out instead
        import bridgewatch

        return repr((sorted(VARIANTS.items()), sorted(RETIRED.items()), LANGUAGES, bridgewatch.__version__))


@lru_cache(maxsize=1)
def lookup_table() -> Any:
    """The lookup as an Arrow table ``(key, alpha2)``, ambiguous keys left out (kept on disk between
    processes: :mod:`bridgewatch.ingest.diskcache`)."""
    return cached_table("countries", _inputs(), _build_lookup)


def _build_lookup() -> Any:
    names: list[tuple[str, str]] = []
    for c in pycountry.countries:
        own = [c.alpha_2, c.alpha_3, c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)]
        names += [(n, c.alpha_2) for n in own if n]
    names += list(VARIANTS.items())
    names += _translations()
    raw = table_of({"name": [n for n, _ in names], "alpha2": [a for _, a in names]}, TEXT_PAIR)
    con = local_connection()
    con.register("raw", raw)
    keyed = con.sql(f"""
        SELECT key, min(alpha2) AS alpha2 FROM (SELECT {key_sql('name')} AS key, alpha2 FROM raw)
        WHERE key <> '' GROUP BY key HAVING count(DISTINCT alpha2) = 1 ORDER BY key""").to_arrow_table()
    con.close()
    return keyed


def _translations() -> list[tuple[str, str]]:
    out = []
    for language in LANGUAGES:
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for c in pycountry.countries:
            for name in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
                if name and tr.gettext(name) != name:
                    out.append((tr.gettext(name), c.alpha_2))
    return out


@lru_cache(maxsize=1)
def codes_table() -> Any:
    """The alpha-2 codes the lookup gives, once each (what :func:`unknown_code_sql` tests a code against)."""
    return table_of({"alpha2": sorted(set(lookup_table().column("alpha2").to_pylist()))}, {"alpha2": pa.string()})


@lru_cache(maxsize=1)
def retired_table() -> Any:
    """The comparison key (:func:`key_sql`) of each :data:`RETIRED` name with its reason, ``(key, reason)``, once each.

    Joined by :func:`looked_up` beside the lookup, so a reader plans the key of a country value once per
    column instead of once per reason in its checks.
    """
    return cached_table("retired-countries", _inputs(), _build_retired)


def _build_retired() -> Any:
    con = local_connection()
    try:
        retired = {"name": list(RETIRED), "reason": list(RETIRED.values())}
        con.register("retired", table_of(retired, {"name": pa.string(), "reason": pa.string()}))
        return con.sql(f"SELECT DISTINCT {key_sql('name')} AS key, reason FROM retired ORDER BY key").to_arrow_table()
    finally:
        con.close()


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make the lookup available to SQL run on ``con`` as :data:`TABLE` (and its codes as :data:`CODES`)."""
    con.register(TABLE, lookup_table())
    con.register(CODES, codes_table())
    con.register(RETIRED_TABLE, retired_table())


def share() -> None:
    """Make the lookup tables of :func:`register` tables of the reading database (``local_connection``):
    built once per process, native to DuckDB, nothing to register per reader."""
    shared_table(TABLE, lookup_table)
    shared_table(CODES, codes_table)
    shared_table(RETIRED_TABLE, retired_table)


def country_sql(expr: str) -> str:
    """SQL: the alpha-2 code of the country in ``expr``; the value itself when it is not a country."""
    return (f"COALESCE((SELECT __c.alpha2 FROM {TABLE} AS __c WHERE __c.key = {key_sql(expr)}), "
            f"NULLIF(trim(CAST({expr} AS VARCHAR)), ''))")


def country(field: Field) -> Field:
    """A reader field holding a country code or name, to be read as ISO 3166-1 alpha-2 (:func:`looked_up`)."""
    return Field(f"NULLIF(trim(CAST({field.sql} AS VARCHAR)), '')", field.source, HINT, lookup="country")


def looked_up(query: str, columns: Sequence[str]) -> str:
    """``query`` (a relation) with the country values of ``columns`` replaced by their alpha-2 codes, as a
    parenthesised query: one hash join per column, not a lookup per row. Each column ``c`` gets a companion
    :func:`retired_column` holding the :data:`RETIRED` reason of its value (NULL for any other value), which
    :func:`checks` reads."""
    if not columns:
        return f"({query})"
    cols = [q(c) for c in columns]
    # The lookup key is computed for the distinct values only (a million orders ship to a few
    # dozen countries); the rows then join on the value itself. A value found becomes its code, whose key
    # is the code in lower case: the retired reason is that of the value as it leaves the lookup.
    found = ", ".join(f"__c{i} AS (SELECT d.v, l.alpha2, r.reason FROM (SELECT v, {key_sql('v')} AS k FROM "
                      f"(SELECT DISTINCT {c} AS v FROM m)) AS d LEFT JOIN {TABLE} AS l ON l.key = d.k "
                      f"LEFT JOIN {RETIRED_TABLE} AS r ON r.key = COALESCE(lower(l.alpha2), d.k))"
                      for i, c in enumerate(cols))
    replace = ", ".join(f"COALESCE(__c{i}.alpha2, m.{c}) AS {c}" for i, c in enumerate(cols))
    reasons = ", ".join(f"__c{i}.reason AS {q(retired_column(c))}" for i, c in enumerate(columns))
    joins = " ".join(f"LEFT JOIN __c{i} ON __c{i}.v = m.{c}" for i, c in enumerate(cols))
    return f"(WITH m AS MATERIALIZED ({query}), {found} SELECT m.* REPLACE ({replace}), {reasons} FROM m {joins})"


def retired_column(column: str) -> str:
    """The name of the column :func:`looked_up` adds beside ``column``: the RETIRED reason of its value."""
    return f"__retired_{column}"


def unknown_code_sql(column: str) -> str:
    """SQL: the (looked-up) value in ``column`` is two letters but no ISO 3166 code."""
    return f"(length({column}) = 2 AND upper({column}) NOT IN (SELECT alpha2 FROM {CODES}))"


def checks(field: str, column: str) -> list[Check]:
    """The checks of the looked-up country ``column`` (reported as ``field``), in place of the canonical
    one: a :data:`RETIRED` country is quarantined with its reason, any other value that is no ISO 3166
    alpha-2 code (a name not found, a code ISO does not assign) with :data:`HINT`. ``column`` is the
    name given to :func:`looked_up`, whose reason column the checks read."""
    value, reason = f"NULLIF(trim({q(column)}), '')", q(retired_column(column))
    retired = [(f"{reason} = {literal(why)}", why) for why in dict.fromkeys(RETIRED.values())]
    unknown = (f"{value} IS NOT NULL AND {reason} IS NULL AND "
               f"(NOT regexp_matches(upper({value}), '^[A-Z]{{2}}$') OR {unknown_code_sql(value)})")
    return [Check(field, q(column), cond, why) for cond, why in retired] + [Check(field, q(column), unknown, HINT)]
