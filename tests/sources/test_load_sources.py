"""load_sources: workspace [sources] → tables of several readers put together, duplicates counted."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bridgewatch.config import parse_config
from bridgewatch.connectors.store import MANIFEST
from bridgewatch.errors import ConfigError, InputError, LookupFailed
from bridgewatch.ingest.accounting import OnBadRow
from bridgewatch.sources import load_sources

from .helpers import FIXTURES


def _config(root: Path, sources: dict[str, Any]) -> Any:
    return parse_config({
        "workspace": {"id": "uk", "erp": "sage_intacct", "home_country": "GB", "reporting_currency": "GBP",
                      "timezone": "Europe/London"},
        "legal_entities": [{"id": "UK01", "currency": "GBP"}],
        "sources": sources,
    }, root=root)


def _copy(tmp_path: Path, *patterns: str) -> Path:
    for pattern in patterns:
        for path in FIXTURES.glob(pattern):
            target = tmp_path / "exports" / path.relative_to(FIXTURES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    return tmp_path


def test_sources_are_read_and_duplicates_across_sources_are_counted(tmp_path: Path) -> None:
    root = _copy(tmp_path, "intacct/*.xml", "intacct/*.csv", "shopify/graphql_*.json", "synclogs/*.csv")
    config = _config(root, {
        "erp": {"reader": "sage_intacct_xml", "path": "exports/intacct/*.xml"},
        "erp_csv": {"reader": "sage_intacct_csv", "path": "exports/intacct/customer_list.csv"},
        "shop": {"reader": "shopify_api", "path": "exports/shopify", "options": {"b2b_tag": "wholesale"}},
        "log": {"reader": "sync_log", "path": "exports/synclogs/sage_connector_log.csv"},
    })
    tables, accounts = load_sources(config, on_bad_row=OnBadRow.QUARANTINE)
    assert [r["customer_account"] for r in tables["erp_customers"].to_pylist()] == [
        "C-10422", "00417", "C-10399", "C-10423"]
    by_file = {(a.table, Path(a.file).name): a for a in accounts}
    csv = by_file[("erp_customers", "customer_list.csv")]
    assert (csv.read, csv.used, dict(csv.excluded)) == (3, 0, {  # the same accounts, read from another route
        "duplicate, conflicting: name": 1, "duplicate, conflicting: status, created_at": 1,
        "duplicate, conflicting: created_at": 1})
    assert {r["workspace_id"] for r in tables["orders"].to_pylist()} == {"uk"}
    assert tables["sync_events"].num_rows == 4
    assert all(a.balanced for a in accounts)


def test_workspace_timezone_applies_to_naive_timestamps(tmp_path: Path) -> None:
    root = _copy(tmp_path, "intacct/customers_page1.xml")
    tables, _ = load_sources(_config(root, {"erp": {"reader": "sage_intacct_xml", "path": "exports/intacct/*.xml"}}),
                             on_bad_row=OnBadRow.QUARANTINE)
    assert str(tables["erp_customers"].to_pylist()[1]["modified_at"]) == "2026-06-01 07:30:00"  # BST


def test_unknown_reader_suggests_the_closest_name(tmp_path: Path) -> None:
    config = _config(tmp_path, {"shop": {"reader": "shopfy_csv", "path": "x.csv"}})
    expected = r"sources.shop.reader: Unknown reader 'shopfy_csv'. Did you mean shopify_csv\?"
    with pytest.raises(LookupFailed, match=expected):
        load_sources(config, on_bad_row=OnBadRow.QUARANTINE)


def test_unknown_option_suggests_the_closest_name(tmp_path: Path) -> None:
    config = _config(tmp_path, {"shop": {"reader": "shopify_csv", "path": "x.csv", "options": {"b2b_tags": "x"}}})
    with pytest.raises(ConfigError, match="sources.shop.options.b2b_tags: unknown option for reader 'shopify_csv'. "
                                          "Did you mean b2b_tag?"):
        load_sources(config, on_bad_row=OnBadRow.QUARANTINE)


def test_option_of_the_wrong_kind_is_a_config_error(tmp_path: Path) -> None:
    config = _config(tmp_path, {"shop": {"reader": "shopify_csv", "path": "x.csv",
                                         "options": {"inactive_financial_statuses": "voided"}}})
    with pytest.raises(ConfigError, match="inactive_financial_statuses: expected a list, got 'voided'"):
        load_sources(config, on_bad_row=OnBadRow.QUARANTINE)


def test_decimal_comma_written_as_text_is_a_config_error_not_a_true_value(tmp_path: Path) -> None:
    root = _copy(tmp_path, "bigcommerce/orders_export.csv")
    config = _config(root, {"bc": {"reader": "bigcommerce_csv", "path": "exports/bigcommerce/orders_export.csv",
                                   "options": {"decimal_comma": "false"}}})
    with pytest.raises(ConfigError) as err:
        load_sources(config, on_bad_row=OnBadRow.QUARANTINE)
    assert str(err.value) == "sources.bc.options.decimal_comma: expected true or false, got 'false'"


def test_a_date_order_that_is_not_one_of_its_words_is_a_config_error(tmp_path: Path) -> None:
    root = _copy(tmp_path, "intacct/customer_list.csv")
    config = _config(root, {"erp": {"reader": "sage_intacct_csv", "path": "exports/intacct/customer_list.csv",
                                    "options": {"date_order": "dmy"}}})
    with pytest.raises(ConfigError) as err:
        load_sources(config, on_bad_row=OnBadRow.QUARANTINE)
    assert str(err.value) == "sources.erp.options.date_order: expected one of auto, day_first, month_first, got 'dmy'"


@pytest.mark.parametrize(("reader", "path", "options", "expected"), [
    ("power_automate_flowruns", "synclogs/flowruns.json", {"customer_ref_pattern": r"customer (\d+"},
     r"sources.src.options.customer_ref_pattern: not a regular expression DuckDB reads (RE2): 'customer (\\d+' "
     r"(Invalid Input Error: missing ): customer (\d+)"),
    ("bigcommerce_csv", "bigcommerce/orders_export.csv", {"date_formats": ["%d/%m/%Y %H:%M", "%d/%m/%Y %Q"]},
     "sources.src.options.date_formats: not a strptime format: '%d/%m/%Y %Q' (Invalid Input Error: Failed to parse "
     "format specifier %d/%m/%Y %Q: Unrecognized format for strftime/strptime: %Q)"),
    ("shopify_api", "shopify/graphql_customers.json", {"vat_path": "$.vat[value"},
     "sources.src.options.vat_path: not a JSON path such as $.vat.value: '$.vat[value' (Binder Error: JSON path "
     "error near '[value')"),
])
def test_patterns_in_options_that_duckdb_cannot_use_are_config_errors(tmp_path: Path, reader: str, path: str,
                                                                        options: dict[str, Any], expected: str) -> None:
    root = _copy(tmp_path, path)
    config = _config(root, {"src": {"reader": reader, "path": f"exports/{path}", "options": options}})
    with pytest.raises(ConfigError) as err:
        load_sources(config, on_bad_row=OnBadRow.QUARANTINE)
    assert str(err.value) == expected


def test_a_path_matching_nothing_names_the_source_and_path(tmp_path: Path) -> None:
    config = _config(tmp_path, {"erp": {"reader": "sage_intacct_xml", "path": "exports/intacct/*.xml"}})
    with pytest.raises(InputError) as err:
        load_sources(config, on_bad_row=OnBadRow.QUARANTINE)
    assert str(err.value) == (f"sources.erp: path 'exports/intacct/*.xml' matches no file under {tmp_path}. Check "
                              f"the path (relative to the workspace folder; globs such as exports/*.json are allowed).")


def test_strict_policy_raises_on_the_first_bad_file(tmp_path: Path) -> None:
    root = _copy(tmp_path, "intacct/malformed/bad_values.xml")
    config = _config(root, {"erp": {"reader": "sage_intacct_xml", "path": "exports/intacct/malformed/*.xml"}})
    with pytest.raises(InputError) as err:
        load_sources(config, on_bad_row=OnBadRow.RAISE)
    assert [(p.row, p.field) for p in err.value.problems] == [(1, "STATUS"), (2, "WHENCREATED"), (3, "CUSTOMERID")]


def _with_clutter(folder: Path) -> None:
    """An Excel lock file and the files Windows and macOS leave in a folder (Thumbs.db is an OLE file,
    whose first bytes an Excel .xls has too)."""
    (folder / "~$customer_list.csv").write_bytes(b"\x0bJane Smith" + b"\x00" * 40)
    (folder / "Thumbs.db").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 100)
    (folder / "desktop.ini").write_text("[.ShellClassInfo]\r\nIconResource=x\r\n")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")


def test_lock_files_and_os_files_in_a_folder_are_skipped_and_listed(tmp_path: Path) -> None:
    root = _copy(tmp_path, "intacct/customer_list.csv")
    _with_clutter(root / "exports/intacct")
    config = _config(root, {"erp": {"reader": "sage_intacct_csv", "path": "exports/intacct"}})
    tables, accounts = load_sources(config, on_bad_row=OnBadRow.QUARANTINE)
    assert [r["customer_account"] for r in tables["erp_customers"].to_pylist()] == ["00417", "C-10422", "C-10399"]
    assert [(Path(a.file).name, a.table, a.read, a.notes) for a in accounts] == [
        ("customer_list.csv", "erp_customers", 3, []),
        (".DS_Store", "erp_customers", 0, ["skipped: macOS's folder settings, not an export"]),
        ("Thumbs.db", "erp_customers", 0, ["skipped: Windows' thumbnail cache, not an export"]),
        ("desktop.ini", "erp_customers", 0, ["skipped: Windows' folder settings, not an export"]),
        ("~$customer_list.csv", "erp_customers", 0,
         ["skipped: an Office lock file (the file is open in Excel), not an export"])]
    assert all(a.balanced for a in accounts)


def _with_hidden_export(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace whose Intacct folder also holds a hidden export and bridgewatch's own pull manifest."""
    root = _copy(tmp_path, "intacct/customer_list.csv")
    folder = root / "exports/intacct"
    (folder / ".customer_list_old.csv").write_text("Customer ID;Name;Status\nC-1;Old Co;Active\n")
    (folder / MANIFEST).write_text('{"generation": 1, "pulled_at": "2026-06-01T09:00:00Z"}')
    return root, folder


def test_other_hidden_files_in_a_folder_are_skipped_and_listed_but_bridgewatchs_own_are_not(tmp_path: Path) -> None:
    root, folder = _with_hidden_export(tmp_path)
    (folder / ".~lock.customer_list.csv#").write_text(",jane,host,01.06.2026 09:00,file:///home/jane;")
    (folder / ".customer_list.csv.bw-tmp-4242-0a1b2c3d").write_text("CUSTOMERID\n")
    config = _config(root, {"erp": {"reader": "sage_intacct_csv", "path": "exports/intacct"}})
    tables, accounts = load_sources(config, on_bad_row=OnBadRow.QUARANTINE)
    assert [r["customer_account"] for r in tables["erp_customers"].to_pylist()] == ["00417", "C-10422", "C-10399"]
    hidden = ("skipped: a hidden file (its name starts with a dot), not read; if it is an export, rename it without "
              "the dot")
    assert [(Path(a.file).name, a.table, a.read, a.notes) for a in accounts] == [
        ("customer_list.csv", "erp_customers", 3, []),
        (".customer_list_old.csv", "erp_customers", 0, [hidden]),
        (".~lock.customer_list.csv#", "erp_customers", 0, [hidden])]
    (folder / "customer_list.csv").unlink()
    with pytest.raises(InputError, match=r"matches no file under .* \(only \.customer_list_old\.csv, "
                                         r"\.~lock\.customer_list\.csv#, which are not exports\)"):
        load_sources(config, on_bad_row=OnBadRow.QUARANTINE)
    glob = _config(root, {"erp": {"reader": "sage_intacct_csv", "path": "exports/intacct/.customer_list_old.csv"}})
    assert [r["customer_account"] for r in load_sources(glob, on_bad_row=OnBadRow.QUARANTINE)[0][
        "erp_customers"].to_pylist()] == ["C-1"]


def test_a_hidden_file_a_glob_would_match_but_for_its_dot_is_listed_as_skipped(tmp_path: Path) -> None:
    root, folder = _with_hidden_export(tmp_path)
    (folder / ".notes.txt").write_text("not a csv")
    (folder / ".git").mkdir()
    (folder / ".git" / "customer_list.csv").write_text("Customer ID;Name;Status\nC-2;Git Co;Active\n")
    hidden = ("skipped: a hidden file (its name starts with a dot), not read; if it is an export, rename it without "
              "the dot")
    for pattern in ("exports/intacct/*.csv", "exports/**/*.csv"):
        config = _config(root, {"erp": {"reader": "sage_intacct_csv", "path": pattern}})
        tables, accounts = load_sources(config, on_bad_row=OnBadRow.QUARANTINE)
        assert [r["customer_account"] for r in tables["erp_customers"].to_pylist()] == ["00417", "C-10422", "C-10399"]
        assert [(Path(a.file).name, a.read, a.notes) for a in accounts] == [
            ("customer_list.csv", 3, []), (".customer_list_old.csv", 0, [hidden])], pattern
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    everything = _config(root, {"erp": {"reader": "sage_intacct_csv", "path": "exports/intacct/*"}})
    _, accounts = load_sources(everything, on_bad_row=OnBadRow.QUARANTINE)
    assert [(Path(a.file).name, a.notes) for a in accounts][1:] == [
        (".DS_Store", ["skipped: macOS's folder settings, not an export"]), (".customer_list_old.csv", [hidden]),
        (".notes.txt", [hidden])]
    named = _config(root, {"erp": {"reader": "sage_intacct_csv", "path": "exports/intacct/.*.csv"}})
    tables, accounts = load_sources(named, on_bad_row=OnBadRow.QUARANTINE)
    assert [(Path(a.file).name, a.read, a.notes) for a in accounts] == [(".customer_list_old.csv", 1, [])]


def test_a_lock_file_a_glob_matches_is_skipped_and_a_path_matching_only_such_files_says_so(tmp_path: Path) -> None:
    root = _copy(tmp_path, "intacct/customer_list.csv")
    _with_clutter(root / "exports/intacct")
    glob = _config(root, {"erp": {"reader": "sage_intacct_csv", "path": "exports/intacct/*.csv"}})
    _, accounts = load_sources(glob, on_bad_row=OnBadRow.QUARANTINE)
    assert [(Path(a.file).name, a.notes) for a in accounts] == [
        ("customer_list.csv", []),
        ("~$customer_list.csv", ["skipped: an Office lock file (the file is open in Excel), not an export"])]
    (root / "exports/intacct/customer_list.csv").unlink()
    folder = _config(root, {"erp": {"reader": "sage_intacct_csv", "path": "exports/intacct"}})
    with pytest.raises(InputError) as err:
        load_sources(folder, on_bad_row=OnBadRow.QUARANTINE)
    assert str(err.value) == (
        f"sources.erp: path 'exports/intacct' matches no file under {root} (only .DS_Store, Thumbs.db, desktop.ini, "
        f"~$customer_list.csv, which are not exports). Check the path (relative to the workspace folder; globs such "
        f"as exports/*.json are allowed).")
