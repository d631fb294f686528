def test_the_openapi_schema_loads_and_lists_the_case_endpoints(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/cases" in paths
    assert "/api/v1/cases/{reference}/consent/override" in paths


def test_the_docs_page_is_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_the_schema_describes_the_refusals_of_an_action(client):
    operation = client.get("/api/openapi.json").json()["paths"][
        "/api/v1/cases/{reference}/acknowledge"
    ]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(operation["responses"])
