"""Authentication strategies as ``httpx.Auth`` objects; none does I/O when constructed.

* :class:`HeaderAuth` — static tokens in headers (Shopify ``X-Shopify-Access-Token``, BigCommerce
  ``X-Auth-Token``) and :func:`bearer` (Adobe Commerce integration / admin token).
* :class:`OAuth1Auth` — Adobe Commerce integrations signed with OAuth 1.0a HMAC-SHA256 (oauthlib).
* :class:`EntraAuth` — Microsoft Entra client credentials with msal for Dynamics 365 F&O,
  Business Central, Dataverse and Power Automate: msal caches the token and fetches a new one
  before it expires; a 401 mid-pull (token revoked or expired early) drops it and retries once.
  msal talks HTTP through the same transport as the connector, so fakes serve the token endpoint.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Generator, Mapping
from typing import Any

import httpx

from bridgewatch.connectors.http.client import body_deadline
from bridgewatch.connectors.http.redact import Redactor
from bridgewatch.connectors.http.retry import SERVER, THROTTLED, Retry
from bridgewatch.connectors.secrets import Secret
from bridgewatch.errors import AuthError, ConnectorError

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"


class HeaderAuth(httpx.Auth):
    """Sends each secret in its header."""

    def __init__(self, headers: Mapping[str, Secret]) -> None:
        self._headers = dict(headers)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        for name, secret in self._headers.items():
            request.headers[name] = secret.reveal()
        yield request


def bearer(token: Secret) -> HeaderAuth:
    """``Authorization: Bearer <token>``."""
    return HeaderAuth({"Authorization": Secret("Bearer " + token.reveal(), token.origin)})


class OAuth1Auth(httpx.Auth):
    """OAuth 1.0a request signing (HMAC-SHA256), as Adobe Commerce integrations expect."""

    requires_request_body = True

    def __init__(self, consumer_key: Secret, consumer_secret: Secret, token: Secret, token_secret: Secret) -> None:
        self._keys = (consumer_key, consumer_secret, token, token_secret)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

        ck, cs, tk, ts = (k.reveal() for k in self._keys)
        client = Client(ck, client_secret=cs, resource_owner_key=tk, resource_owner_secret=ts,
                        signature_method=SIGNATURE_HMAC_SHA256)
        form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        _, headers, _ = client.sign(str(request.url), request.method, request.content.decode() if form else None,
                                    {"Content-Type": request.headers["content-type"]} if form else None)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


class _MsalResponse:
    """The response shape msal expects (status_code, text, headers, raise_for_status)."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status_code = response.status_code
        self.text = response.text
        self.headers = response.headers

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise ConnectorError(f"the Microsoft Entra token service answered {self.status_code}")


class _MsalHttp:
    """msal's minimal HTTP client interface on top of an httpx client."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **_: Any) -> _MsalResponse:
        return _MsalResponse(self._http.post(url, params=params, data=data if isinstance(data, dict) else None,
                                             content=data if isinstance(data, str | bytes) else None,
                                             headers=headers))

    def get(self, url: str, params: Any = None, headers: Any = None, **_: Any) -> _MsalResponse:
        return _MsalResponse(self._http.get(url, params=params, headers=headers))

    def close(self) -> None:
        self._http.close()


AADSTS_HINTS = (
    (r"AADSTS90002|AADSTS900023|tenant.*not found", "tenant {tenant} was not found: check api.tenant"),
    (r"AADSTS700016|application.*not found", "application {client_id} is not registered in tenant {tenant}: "
                                             "check api.client_id and api.tenant"),
    (r"AADSTS7000215|AADSTS7000222|invalid client secret|expired", "the client secret was refused (wrong or "
                                                                   "expired): put a current secret in {secret}"),
    (r"AADSTS500011|AADSTS70011|resource principal|invalid_scope", "Entra does not know the resource {scope}: "
                                                                  "check base_url names your environment"),
)


class EntraAuth(httpx.Auth):
    """Microsoft Entra ID client credentials (msal), refreshed before expiry and once on a 401."""

    def __init__(self, *, tenant: str, client_id: str, secret: Secret, scope: str, redactor: Redactor,
                 transport: httpx.BaseTransport | None = None, authority: str | None = None,
                 timeout: float = 60.0, verify: ssl.SSLContext | bool = True) -> None:
        self.tenant, self.client_id, self.scope = tenant, client_id, scope
        self._secret = secret
        self._redactor = redactor
        self._transport = transport
        self._authority = (authority or DEFAULT_AUTHORITY).rstrip("/")
        self._timeout = timeout
        self._verify = verify
        self._app: Any = None
        self.tokens_acquired = 0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = "Bearer " + self._token()
        response = yield request
        if response.status_code == 401:
            response.read()
            self._application().remove_tokens_for_client()
            request.headers["Authorization"] = "Bearer " + self._token()
            yield request

    def _application(self) -> Any:
        if self._app is None:
            import msal

            http = _MsalHttp(httpx.Client(transport=self._transport, timeout=self._timeout, verify=self._verify,
                                          event_hooks={"response": [body_deadline(self._timeout, time.monotonic)]}))
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id, client_credential=self._secret.reveal(), http_client=http,
                    authority=f"{self._authority}/{self.tenant}", instance_discovery=False,
                    validate_authority=self._authority == DEFAULT_AUTHORITY, token_cache=msal.TokenCache())
            except ValueError as exc:  # msal: tenant discovery failed (unknown tenant, wrong authority)
                raise AuthError(f"Microsoft Entra sign-in failed: tenant {self.tenant} was not found at "
                                f"{self._authority}; check api.tenant and api.auth_url") from exc
            except httpx.RequestError as exc:  # the network, or a body that is not its encoding
                raise ConnectorError(f"could not reach Microsoft Entra at {self._authority} "
                                     f"({type(exc).__name__}); check api.auth_url and the network") from None
            except msal.exceptions.MsalServiceError as exc:  # tenant discovery answered an HTTP error (a 503)
                http.close()
                raise self._service_error(exc) from None
        return self._app

    def _token(self) -> str:
        from msal.exceptions import MsalServiceError

        try:
            result = self._application().acquire_token_for_client(scopes=[self.scope])
        except httpx.RequestError as exc:
            raise ConnectorError(f"could not reach Microsoft Entra at {self._authority} ({type(exc).__name__}); "
                                 f"check api.auth_url and the network") from None
        except MsalServiceError as exc:  # an HTTP error msal does not read as an OAuth answer (a 503 page)
            self._app = None  # the next try starts afresh (msal would replay the cached failure for seconds)
            raise self._service_error(exc) from None
        if "access_token" not in result:
            raise AuthError(self._explain(result))
        token = str(result["access_token"])
        if result.get("token_source") == "identity_provider":
            self.tokens_acquired += 1
        self._redactor.add(token)
        return token

    def _service_error(self, exc: Exception) -> Exception:
        """msal's ``HTTP Error: N`` as a retry (429, 5xx: Entra is busy or down) or an error naming it."""
        found = re.search(r"HTTP Error: (\d+)", str(exc))
        status = int(found.group(1)) if found else None
        what = f"the Microsoft Entra token service at {self._authority} answered {status or str(exc)[:80]}"
        if status is not None and (status == 429 or status >= 500):
            return Retry(THROTTLED if status == 429 else SERVER, what, status=status)
        return ConnectorError(f"{what}; check api.auth_url and api.tenant, then pull again", status=status)

    def _explain(self, result: Mapping[str, Any]) -> str:
        text = f"{result.get('error', '')} {result.get('error_description', '')}"
        code = re.search(r"AADSTS\d+", text)
        for pattern, hint in AADSTS_HINTS:
            if re.search(pattern, text, re.I):
                what = hint.format(tenant=self.tenant, client_id=self.client_id, secret=self._secret.origin,
                                   scope=self.scope)
                return f"Microsoft Entra refused the client credentials ({code.group(0) if code else 'error'}): {what}"
        first = self._redactor.text(str(result.get("error_description") or result.get("error") or "no detail"))
        return f"Microsoft Entra refused the client credentials: {first.splitlines()[0][:200]}"
