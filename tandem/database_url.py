"""The DATABASE_URL of the database this process uses, for the processes it starts (a worker
or a portal in the soak and load tests) to use the same one."""

from django.db import connection


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT']}/"
        f"{settings['NAME']}"
    )
