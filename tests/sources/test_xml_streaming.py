"""The XML routes' streaming: records cut across read chunks and rows written in batches read exactly as whole."""

from __future__ import annotations

import gc
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bridgewatch.errors import InputError
from bridgewatch.sources import xmlfile
from bridgewatch.sources.bigcommerce_csv import NO_REFUNDS
from bridgewatch.sources.raw import Session
from bridgewatch.sources.xmlfile import SheetWriter, elements

from .helpers import accounts, problems, read, rows
from .test_d365_xml import CUSTOMERS, _attribute, _document, _element
from .test_xml_exports import ADOBE_GRID_XML, BC_ORDERS_XML


def test_rows_written_in_batches_keep_their_order_and_a_column_first_seen_later_is_empty_before(
        tmp_path: Path) -> None:
    session = Session()
    writer = SheetWriter(session, batch=2)
    writer.sheet.header += ["a", "b"]
    writer.add(["1", "x"], 1)
    writer.add(["2", "y"], 2)
    writer.sheet.header.append("c")
    writer.add(["3", "z", "new"], 5)
    writer.sheet.header.append("a")
    sheet = writer.finish()
    assert (sheet.rows, sheet.header) == (3, ["a", "b", "c", "a"])
    assert session.con.execute(f'SELECT a, b, c, "a (2)", __n FROM {sheet.table}').fetchall() == [
        ("1", "x", "", "", 1), ("2", "y", "", "", 2), ("3", "z", "new", "", 5)]
    session.close()


def test_elements_hand_out_each_record_once_complete_and_drop_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmlfile, "CHUNK", 7)
    path = tmp_path / "a.xml"
    path.write_text("<r><s n='1'><t>1</t><t>2</t></s><s n='2'><t>3</t></s></r>", encoding="utf-8")
    roots: list[str] = []
    seen: list[tuple[int, str, str]] = []
    parents: list[ET.Element] = []
    for level, element in elements(path, 3, on_root=roots.append):
        seen.append((level, element.tag, element.get("n") or element.text or ""))
        if level == 2:
            parents.append(element)
    assert roots == ["r"]
    assert seen == [(2, "s", "1"), (3, "t", "1"), (3, "t", "2"), (2, "s", "2"), (3, "t", "3")]
    assert [len(p) for p in parents] == [0, 0]  # every record dropped from its parent once handed out


@pytest.mark.parametrize("chunk", [1, 13, 1 << 20])
def test_the_xml_routes_read_the_same_whatever_the_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          chunk: int) -> None:
    monkeypatch.setattr(xmlfile, "CHUNK", chunk)
    monkeypatch.setattr(xmlfile, "BATCH", 2)
    orders = tmp_path / "orders.xml"
    orders.write_text(BC_ORDERS_XML, encoding="utf-8")
    grid = tmp_path / "grid.xml"
    grid.write_text(ADOBE_GRID_XML, encoding="utf-8")
    fo = tmp_path / "Customers V3.xml"
    fo.write_text(_document([_element(c) for c in CUSTOMERS[:4]] + [_attribute(c) for c in CUSTOMERS[4:]]),
                  encoding="utf-8")
    bc = read("bigcommerce_csv", [orders])
    assert rows(bc, "orders", "source_row", "order_id") == [(1, "31007"), (4, "31009")]
    assert accounts(bc)[("orders", "orders.xml")] == {"read": 4, "used": 2, "excluded": {"blank row": 1},
                                                      "quarantined": 1, "notes": [NO_REFUNDS]}
    adobe = read("adobe_commerce_csv", [grid], timezone="UTC")
    assert rows(adobe, "orders", "source_row", "order_id") == [(1, "000008812")]
    assert [p[1] for p in problems(adobe)] == [2, 5]
    d365 = read("d365_fo_csv", [fo])
    assert rows(d365, "erp_customers", "source_row", "customer_account") == [
        (1, "GB-00421"), (2, "US-000117"), (3, "US-000201")]
    assert [(p[1], p[2]) for p in problems(d365)] == [(5, "ONHOLDSTATUS"), (6, "DATAAREAID"), (7, "CUSTOMERACCOUNT")]


def test_the_garbage_collector_is_back_on_after_a_file_is_read_or_refused(tmp_path: Path) -> None:
    fo = tmp_path / "Customers V3.xml"
    fo.write_text(_document([_element(c) for c in CUSTOMERS[:3]]), encoding="utf-8")
    assert len(rows(read("d365_fo_csv", [fo]), "erp_customers", "customer_account")) == 3
    assert gc.isenabled()
    fo.write_text(_document([_element(c) for c in CUSTOMERS[:3]])[:-20], encoding="utf-8")
    with pytest.raises(InputError, match="not valid XML"):
        read("d365_fo_csv", [fo])
    assert gc.isenabled()
