"""KubeGateway: every request Hybridplan makes to a Hybridnet cluster.

Objects go in and come out as plain dicts in Kubernetes' own JSON form (the
form `kubectl get -o json` shows). Each call has a connect and a read timeout
and raises only `planner.kube.errors.KubeError` subclasses.
"""

import json
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any, Self

from kubernetes import client

from ipam.constants import LABEL_SUBNET
from planner.constants import FIELD_MANAGER
from planner.kube.constants import (
    API_VERSION,
    APPLY_PATCH,
    APPLYABLE_KINDS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    GROUP,
    HYBRIDNET_KINDS,
    IPINSTANCE,
    MERGE_PATCH,
    NETWORK,
    SUBNET,
    VERSION,
    ResourceKind,
    Timeout,
)
from planner.kube.credentials import ClusterCredentials, build_api_client
from planner.kube.errors import CrdsMissing, ObjectNotFound, translated_errors

# apply() reads the object first unless the caller says which version it has just read.
UNREAD = object()


class KubeGateway:
    """One cluster's API, through the credentials Hybridplan stores for it."""

    def __init__(self, credentials: ClusterCredentials, timeout: Timeout = DEFAULT_TIMEOUT) -> None:
        self._api = build_api_client(credentials)
        self._timeout = timeout
        self._custom = client.CustomObjectsApi(self._api)
        self._core = client.CoreV1Api(self._api)
        self.server: str = self._api.configuration.host

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def test_connection(self) -> dict[str, Any]:
        """The server's version and which Hybridnet resource types it serves."""
        version = self._request("read the server version", client.VersionApi(self._api).get_code)
        served = self._served_plurals()
        return {
            "server": self.server,
            "server_version": version["gitVersion"],
            "crds_installed": {k.kind: k.plural in served for k in HYBRIDNET_KINDS.values()},
        }

    def list_networks(self) -> list[dict]:
        return self._list_all(
            "list Networks", self._custom.list_cluster_custom_object, GROUP, VERSION, NETWORK.plural
        )

    def list_subnets(self) -> list[dict]:
        """Subnets including their status (total, used, available, lastAllocatedIP)."""
        return self._list_all(
            "list Subnets", self._custom.list_cluster_custom_object, GROUP, VERSION, SUBNET.plural
        )

    def list_ipinstances(self, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[dict]:
        """IPInstances of all namespaces, fetched lazily a page at a time."""
        return chain.from_iterable(self.ipinstance_pages(page_size))

    def ipinstance_pages(self, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[list[dict]]:
        """The same, page by page, for callers that store in batches."""
        return (page["items"] for page in self.ipinstance_lists(page_size))

    def ipinstance_lists(self, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[dict]:
        """The same, as the server's list objects: a page's `metadata.remainingItemCount`
        says how many are left after it, when the server counts them (for progress)."""
        return self._lists(
            "list IPInstances",
            self._custom.list_cluster_custom_object,
            GROUP,
            VERSION,
            IPINSTANCE.plural,
            page_size=page_size,
        )

    def subnet_ipinstances(self, subnet: str) -> list[dict]:
        """IPInstances of all namespaces on one Subnet, chosen by Hybridnet's subnet label as
        its webhook does (SD-1): never the cluster's whole list."""
        pages = self._pages(
            f'list IPInstances of Subnet "{subnet}"',
            self._custom.list_cluster_custom_object,
            GROUP,
            VERSION,
            IPINSTANCE.plural,
            page_size=DEFAULT_PAGE_SIZE,
            label_selector=f"{LABEL_SUBNET}={subnet}",
        )
        return list(chain.from_iterable(pages))

    def list_nodes(self) -> list[dict]:
        return self._list_all("list Nodes", self._core.list_node)

    def apply(self, obj: dict, live_version: str | None | object = UNREAD) -> tuple[dict, bool]:
        """Server-side apply a Network or Subnet as field manager "hybridplan".

        Never forces: fields another manager owns raise FieldManagerConflict.
        Returns the object as stored and whether the apply changed it; an apply
        that matches what is stored leaves resourceVersion as it was. A caller that
        has just read the object gives its `live_version` (resourceVersion; None when
        it is not there), which saves reading it again here.
        """
        kind = _applyable_kind(obj)
        name = obj["metadata"]["name"]
        if live_version is UNREAD:
            before = self._get_or_none(kind, name)
            live_version = before["metadata"]["resourceVersion"] if before else None
        after = self._request(
            f'apply {kind.kind} "{name}"',
            self._custom.patch_cluster_custom_object,
            GROUP,
            VERSION,
            kind.plural,
            name,
            obj,
            field_manager=FIELD_MANAGER,
            _content_type=APPLY_PATCH,
        )
        changed = live_version is None or live_version != after["metadata"]["resourceVersion"]
        return after, changed

    def delete(self, kind: str, name: str) -> None:
        """Delete a Network or Subnet; ObjectNotFound if it is not there."""
        resource = _resource(kind, allowed=APPLYABLE_KINDS)
        self._request(
            f'delete {kind} "{name}"',
            self._custom.delete_cluster_custom_object,
            GROUP,
            VERSION,
            resource.plural,
            name,
        )

    def patch_node_labels(self, name: str, labels: dict[str, str | None]) -> dict[str, str]:
        """Set node labels; a None value removes that label. Returns the node's labels."""
        node = self._request(
            f'label Node "{name}"',
            self._core.patch_node,
            name,
            {"metadata": {"labels": labels}},
            field_manager=FIELD_MANAGER,
            _content_type=MERGE_PATCH,
        )
        return node["metadata"].get("labels") or {}

    def write_status(
        self, kind: str, name: str, status: dict, namespace: str | None = None
    ) -> dict:
        """Merge `status` into an object's status subresource, as Hybridnet's own
        controllers do; tests and the demo use it in their place."""
        resource = _resource(kind)
        if resource.namespaced:
            if not namespace:
                raise ValueError(f"{kind} is namespaced: give a namespace")
            method, location = self._custom.patch_namespaced_custom_object_status, (namespace,)
        else:
            method, location = self._custom.patch_cluster_custom_object_status, ()
        return self._request(
            f'write the status of {kind} "{name}"',
            method,
            GROUP,
            VERSION,
            *location,
            resource.plural,
            name,
            {"status": status},
            _content_type=MERGE_PATCH,
        )

    def create_ipinstance(self, namespace: str, obj: dict) -> dict:
        """Create an IPInstance as hybridnet-manager would; for tests and the demo."""
        return self._request(
            f'create IPInstance "{obj["metadata"]["name"]}" in namespace "{namespace}"',
            self._custom.create_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            IPINSTANCE.plural,
            obj,
        )

    def _served_plurals(self) -> set[str]:
        try:
            discovery = self._request(
                f"discover {API_VERSION}", self._custom.get_api_resources, GROUP, VERSION
            )
        except CrdsMissing:  # no Hybridnet CRD at all: the group is not served
            return set()
        return {resource["name"] for resource in discovery["resources"]}

    def _list_all(self, action: str, list_method: Callable[..., Any], *args: Any) -> list[dict]:
        pages = self._pages(action, list_method, *args, page_size=DEFAULT_PAGE_SIZE)
        return list(chain.from_iterable(pages))

    def _get_or_none(self, kind: ResourceKind, name: str) -> dict | None:
        try:
            return self._request(
                f'read {kind.kind} "{name}"',
                self._custom.get_cluster_custom_object,
                GROUP,
                VERSION,
                kind.plural,
                name,
            )
        except ObjectNotFound:
            return None

    def _pages(
        self,
        action: str,
        list_method: Callable[..., Any],
        *args: Any,
        page_size: int,
        **filters: str,
    ) -> Iterator[list[dict]]:
        pages = self._lists(action, list_method, *args, page_size=page_size, **filters)
        return (page["items"] for page in pages)

    def _lists(
        self,
        action: str,
        list_method: Callable[..., Any],
        *args: Any,
        page_size: int,
        **filters: str,
    ) -> Iterator[dict]:
        # limit/continue keeps each answer small however many objects there are.
        token = None
        while True:
            page = self._request(
                action, list_method, *args, limit=page_size, _continue=token, **filters
            )
            yield page
            token = page["metadata"].get("continue")
            if not token:
                return

    def _request(self, action: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> dict:
        # _preload_content=False: the generated client returns None for status
        # codes missing from its response map (201 on an apply that creates the
        # object), so the body is read and decoded here for every call.
        with translated_errors(self.server, action, self._timeout):
            response = method(
                *args, _preload_content=False, _request_timeout=self._timeout, **kwargs
            )
            return json.loads(response.data)


def _resource(kind: str, allowed: frozenset[str] | None = None) -> ResourceKind:
    if kind not in HYBRIDNET_KINDS or (allowed is not None and kind not in allowed):
        raise ValueError(f"{kind!r} is not one of {sorted(allowed or HYBRIDNET_KINDS)}")
    return HYBRIDNET_KINDS[kind]


def _applyable_kind(obj: dict) -> ResourceKind:
    if obj.get("apiVersion") != API_VERSION:
        raise ValueError(f"apiVersion must be {API_VERSION}, not {obj.get('apiVersion')!r}")
    if not (obj.get("metadata") or {}).get("name"):
        raise ValueError("the object has no metadata.name")
    return _resource(obj.get("kind", ""), allowed=APPLYABLE_KINDS)
