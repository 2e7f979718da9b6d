"""The people of the load test, as locust users, and the runner that sets them loose.

Staff browse and search the Clients tab the way the page drives it: the first page, the in-place
(htmx) search and paging that swap only the results, and a client's page. API users search and
read clients with their own personal access tokens, as a practice's scripts would.

Run by `bench.bench_load` in a process of its own, because importing locust monkey-patches the
standard library for gevent, which must not reach the Django or sandbox code of the caller:

    python -m bench.load_users CONFIG.json SAMPLES.json

CONFIG holds `host`, `users`, `spawn_rate`, `seconds`, `credentials` (one per user: `cookie`,
the Cookie header of a signed-in session, and `token`, an API token), `client_ids` and
`searches`. SAMPLES receives every request as `[start (unix seconds), response time (ms), name,
ok]`, so the caller can measure any window.
"""

import itertools
import json
import random
import sys
from pathlib import Path

import gevent
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from locust.log import setup_logging
from locust.stats import print_error_report, print_stats

STOP_SECONDS = 30
HTMX = {"HX-Request": "true", "HX-Target": "client-results"}
# Each user, staff or API, takes the next credential: one person, one session, one token.
_credentials = itertools.count()


# The lighter of locust's HTTP clients: on a 2-core machine the load generator shares the CPU
# with the portal, so every cycle it spends is taken from what is measured.
class _Person(FastHttpUser):
    abstract = True
    # A person reads what they asked for before the next click.
    wait_time = between(1, 3)
    config: dict = {}

    def on_start(self) -> None:
        credentials = self.config["credentials"]
        self.credential = credentials[next(_credentials) % len(credentials)]
        self.headers: dict[str, str] = {}

    def _get(self, path: str, *, name: str, partial: bool = False, headers=None, **kwargs) -> None:
        """GET `path`, failing anything but a 200 (a redirect to the login page included)."""
        with self.client.get(
            path,
            name=name,
            headers={**self.headers, **(headers or {})},
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code or response.error!r}")
            elif partial and "<html" in response.text:
                response.failure("answered a whole page to an htmx request")

    def _search_term(self) -> str:
        return random.choice(self.config["searches"])

    def _client_id(self) -> int:
        return random.choice(self.config["client_ids"])


class StaffUser(_Person):
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.headers["Cookie"] = self.credential["cookie"]

    @task(3)
    def clients_list(self) -> None:
        self._get("/clients/", name="clients list")

    @task(2)
    def clients_list_page(self) -> None:
        self._get(f"/clients/?page={random.randint(2, 50)}", name="clients list, page n")

    @task(4)
    def clients_search(self) -> None:
        # What the search box sends as the person types: a prefix, then the whole word.
        term = self._search_term()
        for typed in (term[:3], term):
            self._get(
                "/clients/",
                name="clients search (htmx)",
                partial=True,
                params={"q": typed},
                headers=HTMX,
            )

    @task(2)
    def clients_search_page(self) -> None:
        self._get(
            "/clients/",
            name="clients search, page 2 (htmx)",
            partial=True,
            params={"q": self._search_term()[:2], "page": 2},
            headers=HTMX,
        )

    @task(3)
    def client_page(self) -> None:
        self._get(f"/clients/{self._client_id()}/", name="client page")


class ApiUser(_Person):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.headers["Authorization"] = f"Bearer {self.credential['token']}"

    @task(2)
    def clients_search(self) -> None:
        self._get("/api/v1/clients/", name="api clients search", params={"q": self._search_term()})

    @task(1)
    def client_get(self) -> None:
        self._get(f"/api/v1/clients/{self._client_id()}/", name="api client")


def main(config_path: str, samples_path: str) -> int:
    config = json.loads(Path(config_path).read_text())
    setup_logging("INFO")
    _Person.config = config
    # Users finish the request they are in when the time is up, rather than count it failed.
    environment = Environment(
        user_classes=[StaffUser, ApiUser], host=config["host"], stop_timeout=STOP_SECONDS
    )
    samples: list[list] = []

    def record(request_type, name, response_time, exception, start_time=None, **_kwargs):
        samples.append([start_time, response_time, name, exception is None])

    environment.events.request.add_listener(record)
    runner = environment.create_local_runner()
    runner.start(config["users"], spawn_rate=config["spawn_rate"])
    gevent.spawn_later(config["seconds"], runner.quit)
    runner.greenlet.join()
    print_stats(environment.stats, current=False)
    print_error_report(environment.stats)
    Path(samples_path).write_text(json.dumps(samples))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
