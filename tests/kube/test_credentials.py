"""ClusterCredentials and the API client built from them; no cluster needed."""

import pytest
import yaml

from planner.kube.credentials import ClusterCredentials, build_api_client
from planner.kube.errors import InvalidCredentials


def _kubeconfig(user: dict) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": "https://10.0.0.1:6443"}}],
            "users": [{"name": "u", "user": user}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        }
    )


@pytest.mark.parametrize(
    "user",
    [
        {"exec": {"command": "/bin/sh", "apiVersion": "client.authentication.k8s.io/v1"}},
        {"tokenFile": "/etc/shadow"},
        {"client-certificate": "/root/cert.pem", "client-key": "/root/key.pem"},
    ],
)
def test_kubeconfig_that_reaches_into_the_server_is_refused(user: dict) -> None:
    with pytest.raises(InvalidCredentials, match="must carry credentials inline"):
        build_api_client(ClusterCredentials(kubeconfig=_kubeconfig(user)))


def test_inline_kubeconfig_sets_server_and_token() -> None:
    api = build_api_client(ClusterCredentials(kubeconfig=_kubeconfig({"token": "t0k"})))

    assert api.configuration.host == "https://10.0.0.1:6443"
    assert api.configuration.auth_settings()["BearerToken"]["value"] == "Bearer t0k"


@pytest.mark.parametrize("text", ["- just\n- a list\n", "clusters: [unclosed\n"])
def test_unreadable_kubeconfig(text: str) -> None:
    with pytest.raises(InvalidCredentials, match="kubeconfig"):
        build_api_client(ClusterCredentials(kubeconfig=text))


def test_credentials_need_a_server_or_a_kubeconfig() -> None:
    with pytest.raises(InvalidCredentials):
        ClusterCredentials()


def test_secrets_stay_out_of_repr() -> None:
    creds = ClusterCredentials(server="https://k", token="s3cret", kubeconfig="s3cret too")

    assert "s3cret" not in repr(creds)


def test_server_and_token_credentials() -> None:
    creds = ClusterCredentials(server="https://k", token="t0k", ca_pem="PEM")

    configuration = build_api_client(creds).configuration

    assert configuration.auth_settings()["BearerToken"]["value"] == "Bearer t0k"
    assert (configuration.host, configuration.ca_cert_data) == ("https://k", "PEM")
    assert configuration.verify_ssl is True


def test_insecure_skip_tls_verify_turns_verification_off() -> None:
    creds = ClusterCredentials(server="https://k", token="t", insecure_skip_tls_verify=True)

    assert build_api_client(creds).configuration.verify_ssl is False
