"""Benchmark: the XML export routes against the CSV route of the same records (CPU seconds, peak RSS).

Writes, for ``--records`` records (default 200,000), a BigCommerce orders XML export, an Adobe Commerce
orders grid as Excel XML (SpreadsheetML) and a D365 F&O Customers V3 data management XML-Element file,
each beside the CSV export of the same records, then reads every file with its reader in a fresh
process (``bigcommerce_csv``, ``adobe_commerce_csv``, ``d365_fo_csv``) and prints the process's CPU time
(every thread, DuckDB's included) and peak resident memory. Best of ``--repeats`` runs. Not run by the
tests::

    .venv/bin/python -m bench.xml_bench --records 200000
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

BC_HEADER = ("Order ID", "Customer ID", "Customer Email", "Order Date", "Order Status", "Order Total (inc tax)",
             "Order Currency Code", "Shipping Country", "Billing Country")
ADOBE_HEADER = ("ID", "Purchase Point", "Purchase Date", "Bill-to Name", "Grand Total (Purchased)", "Status",
                "Customer Email")
FO_HEADER = ("CUSTOMERACCOUNT", "DATAAREAID", "ORGANIZATIONNAME", "PRIMARYCONTACTEMAIL", "TAXEXEMPTNUMBER",
             "ADDRESSCOUNTRYREGIONISOCODE", "ONHOLDSTATUS", "CUSTOMERGROUPID")
Row = tuple[str, ...]


def bc_rows(n: int) -> Iterator[Row]:
    for i in range(n):
        yield (str(31000 + i), str(1000 + i % 5000), f"buyer{i % 5000}@acme.example", "06/16/2026 09:12:44",
               "Awaiting Fulfillment", f"${1000 + i % 900:,}.50", "USD", "United States", "United States")


def adobe_rows(n: int) -> Iterator[Row]:
    for i in range(n):
        yield (f"{8000000 + i:09d}", "Main Website", "Jun 16, 2026 11:12:44 AM", f"Buyer {i % 5000}",
               f"€{100 + i % 900}.00", "Processing", f"buyer{i % 5000}@mail.example")


def fo_rows(n: int) -> Iterator[Row]:
    for i in range(n):
        yield (f"US-{i:06d}", "usmf", f"Customer {i} Inc", f"ap{i}@customer.example", "", "US", "No", "10")


def write_csv(path: Path, header: Row, rows: Iterator[Row]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)


def _esc(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;")


def write_bc_xml(path: Path, rows: Iterator[Row]) -> None:
    names = [h.replace(" (inc tax)", "_inc_tax").replace(" ", "_") for h in BC_HEADER]
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<orders>\n')
        for row in rows:
            fields = "".join(f"\t\t<{n}><![CDATA[{v}]]></{n}>\n" for n, v in zip(names, row, strict=True))
            fh.write(f"\t<order>\n{fields}\t\t<Product_Details>\n\t\t\t<item>\n\t\t\t\t<Product_ID><![CDATA[77]]>"
                     f"</Product_ID>\n\t\t\t</item>\n\t\t</Product_Details>\n\t</order>\n")
        fh.write("</orders>\n")


def write_spreadsheetml(path: Path, rows: Iterator[Row]) -> None:
    def cells(row: Row) -> str:
        return "".join(f'<Cell><Data ss:Type="String">{_esc(v)}</Data></Cell>' for v in row)

    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                 'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n<Worksheet ss:Name="sales_order_grid">'
                 f"<Table>\n<Row>{cells(ADOBE_HEADER)}</Row>\n")
        for row in rows:
            fh.write(f"<Row>{cells(row)}</Row>\n")
        fh.write("</Table></Worksheet></Workbook>\n")


def write_fo_xml(path: Path, rows: Iterator[Row]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<Document>\n')
        for row in rows:
            fields = "".join(f"<{n}>{_esc(v)}</{n}>" if v else f"<{n} />" for n, v in zip(FO_HEADER, row, strict=True))
            fh.write(f"  <CUSTCUSTOMERV3ENTITY>{fields}</CUSTCUSTOMERV3ENTITY>\n")
        fh.write("</Document>\n")


CASES: dict[str, tuple[str, str, Callable[[Path, Iterator[Row]], None], Row, Callable[[int], Iterator[Row]]]] = {
    "bigcommerce": ("bigcommerce_csv", "orders", write_bc_xml, BC_HEADER, bc_rows),
    "adobe": ("adobe_commerce_csv", "orders", write_spreadsheetml, ADOBE_HEADER, adobe_rows),
    "d365_fo": ("d365_fo_csv", "erp_customers", write_fo_xml, FO_HEADER, fo_rows),
}


def generate(folder: Path, records: int) -> dict[str, tuple[Path, Path]]:
    """Each case's XML file and CSV twin."""
    files = {}
    for name, (_, _, write_xml, header, rows) in CASES.items():
        xml, twin = folder / f"{name}.xml", folder / f"{name}.csv"
        if not xml.exists():
            write_xml(xml, rows(records))
            write_csv(twin, header, rows(records))
        files[name] = (xml, twin)
    return files


def read_once(case: str, path: Path) -> None:
    """In this process: read ``path`` with the case's reader, then print rows, CPU seconds and peak RSS (MB)."""
    from bridgewatch.sources import ReadContext, get_reader

    reader, table, *_ = CASES[case]
    start = time.process_time()
    result = get_reader(reader).read([path], ReadContext("bench", timezone="UTC", source="bench"))
    cpu = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(result.tables[table].num_rows, f"{cpu:.2f}", f"{peak:.0f}")


def measure(case: str, path: Path, repeats: int) -> tuple[int, float, float]:
    """Best CPU seconds and peak RSS (MB) of ``repeats`` fresh processes reading ``path``."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-m", "bench.xml_bench", "--one", case, str(path)], check=True,
                             capture_output=True, text=True).stdout.split()
        runs.append((int(out[0]), float(out[1]), float(out[2])))
    return runs[0][0], min(r[1] for r in runs), min(r[2] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder for the generated files (kept between runs)")
    parser.add_argument("--one", nargs=2, metavar=("CASE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        read_once(args.one[0], Path(args.one[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{'route':<22}{'rows':>9}{'CPU s':>9}{'peak MB':>9}   (best of {args.repeats})")
        for case, (xml, twin) in generate(folder, args.records).items():
            for label, path in (("xml", xml), ("csv", twin)):
                rows, cpu, peak = measure(case, path, args.repeats)
                print(f"{case + ' ' + label:<22}{rows:>9,}{cpu:>9.2f}{peak:>9.0f}")


if __name__ == "__main__":
    main()
