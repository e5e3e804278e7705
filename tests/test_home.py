"""Until the browser UI lands, / sends a browser to the admin."""


def test_home_redirects_to_the_admin(client):
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/admin/")
