"""Canonical, engine-free description of the data bridgewatch reads."""

from bridgewatch.model.tables import TABLES, TABLES_BY_NAME, Column, ColumnType, Table, table_name

__all__ = ["TABLES", "TABLES_BY_NAME", "Column", "ColumnType", "Table", "table_name"]
