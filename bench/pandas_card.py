"""The common alternative: the Sage card written the straightforward way in pandas.

What an analyst would write with DataFrames: read the tables, keep live orders in the window,
roll contacts up to their company, normalise VAT / account ref / email, merge against the ERP's
live records in the expected entity, and label each absent B2B account with the sync cause and
its blocked value in reporting currency. It answers the same question as the Sage card on the
bench data (the runner checks the counts agree); it is the baseline for ``ratio_pandas``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bridgewatch.matching.normalise import VAT_PREFIXES

ACCOUNT = ["platform", "account_kind", "account_id"]
PREFIX_RE = "^(" + "|".join(VAT_PREFIXES) + ")"


def _read(staged: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(staged / f"{name}.parquet", columns=columns)


def norm_vat(vat: pd.Series, country: pd.Series) -> pd.Series:
    """Upper-case, letters and digits only, country prefix added when missing (GR → EL)."""
    bare = vat.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True).replace("", np.nan)
    prefixed = bare.str.match(PREFIX_RE).fillna(False).astype(bool)
    greek = bare.str[:2] == "GR"
    country = country.str.upper().replace("GR", "EL")
    out = bare.where(prefixed | country.isna(), country + bare)
    return out.where(~(prefixed & greek), "EL" + bare.str[2:])


def norm_text(values: pd.Series, upper: bool) -> pd.Series:
    cleaned = values.str.strip()
    cleaned = cleaned.str.upper() if upper else cleaned.str.lower()
    return cleaned.replace("", np.nan)


def sage_card(staged: Path, cfg: dict[str, Any]) -> dict[str, object]:
    """Count and value the B2B accounts with live orders that have no live ERP record in their entity."""
    as_of = pd.Timestamp(cfg["as_of"])
    start = as_of - pd.Timedelta(days=cfg["window_days"])
    cust = _read(staged, "commerce_customers")
    orders = _read(staged, "orders")
    orders = orders[(orders.created_at >= start) & (orders.created_at < as_of) & ~orders.cancelled & ~orders.quote
                    & ~orders.inactive & (orders.customer_id.notna() | orders.company_id.notna())].copy()
    member_company = cust.set_index(["platform", "customer_id"]).company_id
    orders["company_id"] = orders.company_id.fillna(
        pd.Series(member_company.reindex(list(zip(orders.platform, orders.customer_id, strict=True))).values,
                  index=orders.index))
    orders["account_kind"] = np.where(orders.company_id.notna(), "company", "customer")
    orders["account_id"] = orders.company_id.fillna(orders.customer_id)

    accounts = _accounts(cust, orders)
    keys = _account_keys(staged, cust, orders, cfg)
    erp = _erp_keys(staged, cfg)
    fits = _entity_fits(orders, cfg)
    matched = keys.merge(erp, on=["key_type", "key_value"])
    matched = matched.merge(fits, on=ACCOUNT, how="left")
    matched["fits"] = matched.legal_entity.isna() | (matched.legal_entity == matched.entity)
    present = matched[matched.fits & matched.is_live & ~matched.is_holding][ACCOUNT].drop_duplicates()
    retired = matched[matched.fits & ~matched.is_live & ~matched.is_holding][ACCOUNT].drop_duplicates()

    gap = accounts[accounts.is_b2b].merge(present, on=ACCOUNT, how="left", indicator=True)
    gap = gap[gap._merge == "left_only"].drop(columns="_merge")
    gap["retired"] = gap.set_index(ACCOUNT).index.isin(retired.set_index(ACCOUNT).index)
    gap = _causes(staged, gap, cust, as_of, cfg)
    value = _blocked_value(staged, orders, gap, cfg)
    return {"absent": len(gap), "value": str(value), "by_cause": gap.cause.value_counts().to_dict()}


def _accounts(cust: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    live = orders.groupby(ACCOUNT).size().rename("active_orders").reset_index()
    flags = cust.assign(account_kind=np.where(cust.company_id.notna(), "company", "customer"),
                        account_id=cust.company_id.fillna(cust.customer_id),
                        merged_into=cust.merged_into.where(cust.company_id.isna()))
    flags = flags.groupby(ACCOUNT).agg(is_b2b=("is_b2b", "any"), merged=("merged_into", "max"),
                                       created_at=("created_at", "min")).reset_index()
    out = live.merge(flags, on=ACCOUNT, how="left")
    out["is_b2b"] = out.is_b2b.fillna(False).astype(bool) | (out.account_kind == "company")
    return out


def _account_keys(staged: Path, cust: pd.DataFrame, orders: pd.DataFrame, cfg: dict[str, Any]) -> pd.DataFrame:
    home = cfg["home_country"]
    comp = _read(staged, "companies")
    locs = _read(staged, "company_locations").merge(comp[["platform", "company_id", "country"]],
                                                    on=["platform", "company_id"], how="left", suffixes=("", "_co"))
    members = cust.assign(account_kind=np.where(cust.company_id.notna(), "company", "customer"),
                          account_id=cust.company_id.fillna(cust.customer_id))
    comp = comp.assign(account_kind="company", account_id=comp.company_id)
    locs = locs.assign(account_kind="company", account_id=locs.company_id)
    parts = []
    for frame, country in ((members, members.country), (comp, comp.country),
                           (locs, locs.country.fillna(locs.country_co))):
        own = country.fillna(home)
        parts.append(frame[ACCOUNT].assign(key_type="vat", key_value=norm_vat(frame.vat_number, own)))
        parts.append(frame[ACCOUNT].assign(key_type="account_ref", key_value=norm_text(frame.account_ref, True)))
        if "email" in frame:
            parts.append(frame[ACCOUNT].assign(key_type="email", key_value=norm_text(frame.email, False)))
    parts.append(orders[ACCOUNT].assign(key_type="email", key_value=norm_text(orders.email, False)))
    keys = pd.concat(parts, ignore_index=True).dropna(subset=["key_value"]).drop_duplicates()
    wanted = set(cfg["field_map"])
    return keys[keys.key_type.isin(wanted)]


def _erp_keys(staged: Path, cfg: dict[str, Any]) -> pd.DataFrame:
    erp = _read(staged, "erp_customers")
    erp = erp[erp.created_at.isna() | (erp.created_at < pd.Timestamp(cfg["as_of"]))]
    entity_country = erp.legal_entity.map(cfg["entity_country"])
    country = erp.country.fillna(entity_country).fillna(cfg["home_country"])
    base = erp[["legal_entity", "customer_account"]].assign(
        is_live=erp.status.isin(["active", "on_hold"]),
        is_holding=norm_text(erp.customer_account, True).isin(cfg["holding"]))
    parts = [base.assign(key_type="vat", key_value=norm_vat(erp.vat_number, country)),
             base.assign(key_type="account_ref", key_value=norm_text(erp.customer_account, True)),
             base.assign(key_type="email", key_value=norm_text(erp.email, False))]
    return pd.concat(parts, ignore_index=True).dropna(subset=["key_value"])


def _entity_fits(orders: pd.DataFrame, cfg: dict[str, Any]) -> pd.DataFrame:
    """The entities an account's orders should post to: by ship-to country, else the default."""
    fits = orders[ACCOUNT].assign(entity=orders.ship_to_country.map(cfg["country_entity"]))
    ruled = fits.dropna(subset=["entity"]).drop_duplicates()
    unruled = fits[ACCOUNT].drop_duplicates().merge(ruled[ACCOUNT].drop_duplicates(), on=ACCOUNT, how="left",
                                                    indicator=True)
    unruled = unruled[unruled._merge == "left_only"][ACCOUNT].assign(entity=cfg["default_entity"])
    return pd.concat([ruled, unruled], ignore_index=True)


def _causes(staged: Path, gap: pd.DataFrame, cust: pd.DataFrame, as_of: pd.Timestamp,
            cfg: dict[str, Any]) -> pd.DataFrame:
    events = _read(staged, "sync_events")
    events = events[(events.occurred_at < as_of) & events.operation.isin(["create", "promote", "other"])]
    refs = cust.assign(account_kind=np.where(cust.company_id.notna(), "company", "customer"),
                       account_id=cust.company_id.fillna(cust.customer_id), ref=cust.customer_id)[ACCOUNT + ["ref"]]
    own = gap[ACCOUNT].assign(ref=gap.account_id)
    refs = pd.concat([own, refs.merge(gap[ACCOUNT], on=ACCOUNT)], ignore_index=True).drop_duplicates()
    ev = refs.merge(events, left_on="ref", right_on="customer_ref")
    ev = ev[ev.platform_y.isna() | (ev.platform_y == ev.platform_x)].rename(columns={"platform_x": "platform"})
    order = ev.outcome.map({"failed": 0, "pending": 1, "succeeded": 2}).fillna(3)
    ev = ev.assign(rank=order).sort_values(["occurred_at", "rank", "event_id"], ascending=[False, True, False])
    last = ev.drop_duplicates(subset=ACCOUNT)[ACCOUNT + ["outcome", "occurred_at"]]
    gap = gap.merge(last, on=ACCOUNT, how="left")
    grace = as_of - pd.Timedelta(minutes=cfg["grace_minutes"])
    runs = events[(events.outcome == "succeeded")].occurred_at.max()
    conditions = [gap.merged.notna() | gap.retired, gap.outcome == "failed",
                  (gap.outcome == "succeeded") & (gap.occurred_at <= grace),  # inside the grace: less than its
                  gap.outcome.isin(["pending", "succeeded"]) | (gap.created_at > grace) | (gap.created_at > runs)]
    gap["cause"] = np.select(conditions, ["merged_retired", "create_failed", "synced_not_found", "lagging"],
                             "never_synced")
    return gap


def _blocked_value(staged: Path, orders: pd.DataFrame, gap: pd.DataFrame, cfg: dict[str, Any]) -> object:
    fx = _read(staged, "fx_rates").sort_values("rate_date")
    blocked = orders.merge(gap[ACCOUNT], on=ACCOUNT)
    blocked = blocked.assign(day=blocked.created_at.dt.normalize().astype("datetime64[ns]"))
    fx = fx.assign(day=pd.to_datetime(fx.rate_date).astype("datetime64[ns]"))
    blocked = pd.merge_asof(blocked.sort_values("day"), fx[["currency", "day", "rate"]], on="day", by="currency")
    rate = blocked.rate.where(blocked.currency != cfg["reporting_currency"], 1)
    cent = Decimal("0.01")
    return sum(((t * r).quantize(cent, ROUND_HALF_UP) for t, r in zip(blocked.total, rate, strict=True)), Decimal(0))
