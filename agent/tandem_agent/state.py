"""What the agent keeps between runs, in its state directory (~/.config/tandem-agent/ unless
--state-dir says otherwise): its sign-in, and a content hash per client code of what Tandem
has acknowledged. Both files are readable by the agent's own user only, and each is replaced
whole (written aside, then renamed), so an interruption never leaves half a file."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem_agent.errors import AgentError

DEFAULT_STATE_DIR = Path("~/.config/tandem-agent")
CREDENTIALS_FILE = "credentials.json"
SENT_FILE = "sent.json"


def state_dir_resolve(path: Path | None) -> Path:
    directory = (path or DEFAULT_STATE_DIR).expanduser()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _write_private(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(data, file, indent=1, sort_keys=True)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise AgentError(f"Cannot read {path}: {error}. Remove it and sign in again.") from None


@dataclass
class Credentials:
    """The agent's sign-in to one Tandem: the refresh token rotates on every use, so the file
    is rewritten each time a new one arrives, before the access token is used."""

    server: str
    client_id: str
    token_endpoint: str
    refresh_token: str
    access_token: str = ""
    access_token_expires_at: float = 0.0

    @classmethod
    def load(cls, state_dir: Path) -> "Credentials":
        data = _read(state_dir / CREDENTIALS_FILE)
        if data is None:
            raise AgentError("The agent is not signed in: run “tandem-agent login” first.")
        return cls(**data)

    def save(self, state_dir: Path) -> None:
        _write_private(state_dir / CREDENTIALS_FILE, self.__dict__)


@dataclass
class SentState:
    """The hash of each client as Tandem last acknowledged it, for one Tandem server."""

    server: str
    hashes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, state_dir: Path, *, server: str) -> "SentState":
        data = _read(state_dir / SENT_FILE)
        # Sent to another Tandem: this one has heard nothing yet.
        if data is None or data.get("server") != server:
            return cls(server=server)
        return cls(server=server, hashes=data.get("hashes", {}))

    def save(self, state_dir: Path) -> None:
        _write_private(state_dir / SENT_FILE, {"server": self.server, "hashes": self.hashes})
