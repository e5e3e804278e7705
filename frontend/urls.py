"""The browser UI's pages; the names read `planner:<model>_list`, `planner:<model>`,
`planner:<model>_add`, `planner:<model>_edit`, `planner:<model>_delete`."""

from django.urls import path

from frontend.constants import UI_NAMESPACE
from frontend.views import auth, carving, dashboard, objects, operate, search

app_name = UI_NAMESPACE


def object_pages(prefix: str, name: str, list_view, detail_view, edit_view=None, delete_view=None):
    """The list and object pages of one model, and its add, edit and delete pages if it has
    an edit view."""
    pages = [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=name),
    ]
    if edit_view is not None:
        pages += [
            path(f"{prefix}/add/", edit_view.as_view(), name=f"{name}_add"),
            path(f"{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{name}_edit"),
            path(f"{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"),
        ]
    return pages


urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/clusters/<int:pk>/",
        dashboard.DashboardClusterView.as_view(),
        name="dashboard_cluster",
    ),
    path("sign-in/", auth.SignInView.as_view(), name="login"),
    path("sign-out/", auth.SignOutView.as_view(), name="logout"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("carve/", carving.CarveView.as_view(), name="carve"),
    *object_pages(
        "sites",
        "site",
        objects.SiteListView,
        objects.SiteView,
        objects.SiteEditView,
        objects.SiteDeleteView,
    ),
    *object_pages(
        "segments",
        "nodesegment",
        objects.NodeSegmentListView,
        objects.NodeSegmentView,
        objects.NodeSegmentEditView,
        objects.NodeSegmentDeleteView,
    ),
    *object_pages(
        "pools",
        "addresspool",
        objects.AddressPoolListView,
        objects.AddressPoolView,
        objects.AddressPoolEditView,
        objects.AddressPoolDeleteView,
    ),
    *object_pages(
        "nodes",
        "node",
        objects.NodeListView,
        objects.NodeView,
        objects.NodeEditView,
        objects.NodeDeleteView,
    ),
    *object_pages(
        "reservations",
        "reservation",
        objects.ReservationListView,
        objects.ReservationView,
        objects.ReservationEditView,
        objects.ReservationDeleteView,
    ),
    *object_pages(
        "clusters",
        "cluster",
        objects.ClusterListView,
        objects.ClusterView,
        objects.ClusterEditView,
        objects.ClusterDeleteView,
    ),
    *object_pages(
        "networks",
        "network",
        objects.NetworkListView,
        objects.NetworkView,
        objects.NetworkEditView,
        objects.NetworkDeleteView,
    ),
    *object_pages(
        "subnets",
        "subnet",
        objects.SubnetListView,
        objects.SubnetView,
        objects.SubnetEditView,
        objects.SubnetDeleteView,
    ),
    path(
        "clusters/<int:pk>/run/<str:action>/",
        operate.ClusterRunStartView.as_view(),
        name="cluster_run",
    ),
    path(
        "clusters/<int:pk>/apply/", operate.ClusterApplyConfirmView.as_view(), name="cluster_apply"
    ),
    *object_pages(
        "sync-runs",
        "syncrun",
        objects.SyncRunListView,
        objects.SyncRunView,
    ),
]
