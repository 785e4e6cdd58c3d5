"""Microsoft OData APIs behind Entra client credentials: Dynamics 365 F&O, Business Central, Dataverse, flow runs.

All four speak OData v4: pages of ``value`` followed by ``@odata.nextLink`` verbatim, ``$filter``
on a change time for refreshes, 429 with ``Retry-After`` when throttled. Auth is one
:class:`~bridgewatch.connectors.http.auth.EntraAuth` per source (tenant, client id, client secret,
scope ``<resource>/.default``), refreshed before expiry and once on a 401.

* F&O ``/data/CustomersV3?cross-company=true``: every legal entity; the entity has no change time,
  so every pull reads it all (its pages are replaced, so deletions show too).
* Business Central ``companies`` then ``companies({id})/customers`` per company, each page keeping
  its company in ``@odata.context``; refresh on ``lastModifiedDateTime``.
* Dataverse ``accounts`` and ``contacts`` with formatted values (the company label); refresh on
  ``modifiedon``. Power Automate run history is Dataverse's ``flowruns`` table (optionally only
  the flows named in ``api.flows``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from bridgewatch.connectors.base import (
    Connector,
    Context,
    Page,
    Resource,
    field_key,
    iso_time,
    paginate,
    records_at,
    source_root,
)
from bridgewatch.connectors.http.auth import EntraAuth
from bridgewatch.connectors.http.client import ApiClient, Call, ErrorPolicy
from bridgewatch.connectors.http.paginators import NextLink
from bridgewatch.connectors.pages import JsonPage
from bridgewatch.errors import ConnectorError

BC_API = "https://api.businesscentral.dynamics.com"
BC_SCOPE = "https://api.businesscentral.dynamics.com/.default"
FORMATTED = 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'


def _odata_time(since: datetime) -> str:
    return since.strftime("%Y-%m-%dT%H:%M:%SZ")


class ODataPolicy(ErrorPolicy):
    """OData errors (``{"error": {"code", "message"}}``) with Microsoft's hints."""

    def __init__(self, platform: str, permission: str, not_found: str) -> None:
        self.platform = platform
        self.permission_hint = permission
        self.not_found_hint = not_found
        self.auth_hint = ("the token was refused even after a fresh one: check the app is registered in the "
                          "environment (and mapped to a user with access) and api.tenant")


class ODataConnector(Connector):
    """Shared Entra client and OData paging; subclasses give the resources and the first request."""

    scope_suffix: ClassVar[str] = "/.default"
    secrets_needed = {"client_secret": "Microsoft Entra client secret of the app"}
    required = ("base_url", "tenant", "client_id")
    default_page_size = 5000


    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.auth: EntraAuth | None = None

    def policy(self) -> ErrorPolicy:
        raise NotImplementedError

    def scope(self) -> str:
        parts = urlsplit(source_root(self.settings, None, self.ctx.source))
        return f"{parts.scheme}://{parts.netloc}{self.scope_suffix}"

    def client(self) -> ApiClient:
        return self.cached("odata", self._make_client)

    def _make_client(self) -> ApiClient:
        s = self.settings
        self.auth = EntraAuth(tenant=str(s.tenant), client_id=str(s.client_id),
                              secret=self.ctx.secrets["client_secret"], scope=self.scope(),
                              redactor=self.ctx.redactor, transport=self.ctx.transport, authority=s.auth_url,
                              timeout=s.timeout_seconds, verify=self.ctx.verify())
        return self.ctx.client(self.policy(), auth=self.auth, headers={
            "Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0",
            "Prefer": f"odata.maxpagesize={self.page_size}, {FORMATTED}"})

    def odata(self, resource: str, url: str, params: dict[str, Any], what: str, scope: str = "") -> Iterator[Page]:
        call = Call("GET", url, params, what=f"{what} page 1")
        for records in paginate(self.client(), call, NextLink(), records_at("value")):
            yield Page(resource, records, scope)



def _context(scope: str) -> dict[str, Any]:
    return {"@odata.context": scope or "$metadata#value"}


def _fo_key(record: Any) -> str | None:
    """F&O's key is (dataAreaId, CustomerAccount): an account number repeats across legal entities."""
    if not isinstance(record, dict) or not record.get("CustomerAccount"):
        return None
    return f"{str(record.get('dataAreaId') or '').lower()}|{record['CustomerAccount']}"


FO_PAGE = JsonPage("value", extra=lambda s: {"@odata.context": "$metadata#CustomersV3"})


class FinOpsConnector(ODataConnector):
    """Dynamics 365 Finance & Operations ``CustomersV3`` across companies → ``d365_fo_odata`` pages."""

    reader = "d365_fo_odata"
    platform = "Dynamics 365 F&O"
    resources: Mapping[str, Resource] = {
        "customers": Resource("customers", FO_PAGE, _fo_key, None)}

    def policy(self) -> ErrorPolicy:
        return ODataPolicy(self.platform, "give the app's F&O user a role that reads customers in every legal entity",
                           "check base_url is the environment URL (https://<env>.operations.dynamics.com)")

    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        url = f"{source_root(self.settings, None, self.ctx.source)}/data/CustomersV3"
        yield from self.odata(resource, url, {"cross-company": "true"}, "CustomersV3")




class BusinessCentralConnector(ODataConnector):
    """Business Central API v2.0 customers of every (or the named) company → ``business_central_api`` pages."""

    reader = "business_central_api"
    platform = "Business Central"
    required = ("tenant", "client_id", "environment")
    resources: Mapping[str, Resource] = {
        "companies": Resource("companies", JsonPage("value", extra=lambda s: {"@odata.context": "$metadata#companies"}),
                              field_key("id"), None),
        "customers": Resource("customers", JsonPage("value", extra=lambda s: {
            "@odata.context": f"$metadata#companies({s})/customers"}), field_key("id"),
            iso_time("lastModifiedDateTime"), scoped=True),
    }

    def scope(self) -> str:
        return BC_SCOPE if not self.settings.base_url else super().scope()

    def policy(self) -> ErrorPolicy:
        return ODataPolicy(self.platform, "assign the app a permission set that reads customers (e.g. D365 READ) "
                                          "on the Microsoft Entra Applications page",
                           "check api.tenant, api.environment and api.companies")

    def _api(self) -> str:
        s = self.settings
        return f"{source_root(s, BC_API, self.ctx.source)}/v2.0/{s.tenant}/{s.environment}/api/v2.0"

    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        companies = self._companies()
        if resource == "companies":
            yield Page("companies", companies)
            return
        known = self.pulled_scopes.get("customers", set())
        for company in companies:
            # a company no earlier page holds (created by copying one, newly granted) is read in full: its
            # customers may have changed long before the cursor
            fresh = since if since and company["id"] in known else None
            params = {"$filter": f"lastModifiedDateTime ge {_odata_time(fresh)}"} if fresh else {}
            url = f"{self._api()}/companies({company['id']})/customers"
            yield from self.odata("customers", url, params, f"customers of {company.get('name')}", company["id"])

    def _companies(self) -> list[dict[str, Any]]:
        found = [r for p in self.odata("companies", f"{self._api()}/companies", {}, "companies") for r in p.records]
        wanted = {c.lower() for c in self.settings.companies}
        chosen = [c for c in found if not wanted or {str(c.get(k, "")).lower() for k in ("id", "name")} & wanted]
        missing = wanted - {str(c.get(k, "")).lower() for c in found for k in ("id", "name")}
        if missing:
            names = ", ".join(str(c.get("name")) for c in found)
            raise ConnectorError(f"Business Central has no company {', '.join(sorted(missing))} in environment "
                                 f"{self.settings.environment}; api.companies must name companies by id or name "
                                 f"(found: {names})")
        return chosen


class DataverseConnector(ODataConnector):
    """Dataverse Web API accounts and contacts (dual-write staging) → ``dataverse_api`` pages."""

    reader = "dataverse_api"
    platform = "Dataverse"
    resources: Mapping[str, Resource] = {
        name: Resource(name, JsonPage("value", extra=_context), field_key(key), iso_time("modifiedon"))
        for name, key in (("accounts", "accountid"), ("contacts", "contactid"))}

    def policy(self) -> ErrorPolicy:
        return ODataPolicy(self.platform, "give the app's application user a security role that reads accounts "
                                          "and contacts", "check base_url is the org URL (https://<org>.crm.dynamics.com)")

    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        params = {"$filter": f"modifiedon ge {_odata_time(since)}"} if since else {}
        url = f"{source_root(self.settings, None, self.ctx.source)}/api/data/v9.2/{resource}"
        yield from self.odata(resource, url, params, resource)


class FlowRunsConnector(ODataConnector):
    """Power Automate run history from Dataverse ``flowruns`` → ``power_automate_flowruns`` pages."""

    reader = "power_automate_flowruns"
    platform = "Power Automate"
    resources: Mapping[str, Resource] = {
        "flowruns": Resource("flowruns", JsonPage("value", extra=_context), field_key("flowrunid", "name"),
                             iso_time("modifiedon"))}

    def policy(self) -> ErrorPolicy:
        return ODataPolicy(self.platform, "give the app's application user read access to the flowrun table "
                                          "(solution-aware flows only)",
                           "check base_url is the Dataverse org URL of the flows' environment")

    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        clauses = [" or ".join(f"workflowname eq '{f.replace(chr(39), chr(39) * 2)}'" for f in self.settings.flows)]
        clauses = [f"({c})" for c in clauses if c]
        if since:
            clauses.append(f"modifiedon ge {_odata_time(since)}")
        params = {"$filter": " and ".join(clauses)} if clauses else {}
        url = f"{source_root(self.settings, None, self.ctx.source)}/api/data/v9.2/flowruns"
        yield from self.odata(resource, url, params, "flow runs")
