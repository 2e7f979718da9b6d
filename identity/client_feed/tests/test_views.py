import yaml
from django.test import Client
from django.urls import include, path
from openapi_spec_validator import validate

from identity.client_feed import CONTRACT_PATH

urlpatterns = [path("developers/client-feed/", include("identity.client_feed.urls"))]


def test_contract_is_served_to_anyone_as_yaml(settings):
    settings.ROOT_URLCONF = __name__

    response = Client().get("/developers/client-feed/openapi.yaml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response.content == CONTRACT_PATH.read_bytes()


def test_contract_is_a_valid_openapi_3_1_document():
    document = yaml.safe_load(CONTRACT_PATH.read_text())

    validate(document)
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/clients",
        "/clients/{id}",
        "/cms/accounts/",
        "/cms/accounts/{account_id}/",
    }
