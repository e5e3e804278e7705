"""/ is the browser UI's dashboard: a browser that is not signed in is sent to sign in."""

from django.urls import reverse


def test_home_sends_anonymous_browsers_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('planner:login')}?next=/"
