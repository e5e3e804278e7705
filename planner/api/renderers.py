"""Plain YAML for the manifest endpoints, so `curl ... | kubectl apply -f -` just works;
errors stay JSON."""

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

MANIFEST_YAML_KEY = "yaml"


class ManifestYamlRenderer(BaseRenderer):
    """`?format=yaml` or `Accept: application/yaml`: the manifest stream itself."""

    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data[MANIFEST_YAML_KEY].encode()


def errors_as_json(response: Response) -> Response:
    """An error answers in JSON, the one form the schema documents for errors, even when
    the manifest YAML was asked for."""
    if response.status_code >= 400 and isinstance(response.accepted_renderer, ManifestYamlRenderer):
        response.accepted_renderer = JSONRenderer()
        response.accepted_media_type = JSONRenderer.media_type
    return response
