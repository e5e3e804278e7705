"""The Kubernetes side of Hybridplan: the only package that talks to clusters.

`KubeGateway` does the requests, `ClusterCredentials` says how to reach a
cluster, `errors` holds what can go wrong, and `localcluster` runs real API
servers on 127.0.0.1 for tests and the demo. Nothing here imports Django.
"""
