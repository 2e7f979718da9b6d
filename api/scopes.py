"""The API's scopes, shared by personal access tokens and OAuth access tokens."""

from django.db import models


class Scope(models.TextChoices):
    CLIENTS_READ = "clients:read", "Read clients, their appointments, documents and links"
    CLIENTS_WRITE = "clients:write", "Create and change clients, links, documents and merges"
    SYNC_RUN = "sync:run", "Start sync runs and read their progress and outcomes"
