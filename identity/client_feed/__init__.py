"""The client-feed contract Tandem publishes for CMS suppliers (OpenAPI, served as a file)."""

from pathlib import Path

CONTRACT_PATH = Path(__file__).with_name("client-feed.openapi.yaml")
