"""The CMS's few HTML pages: sign-in, and My Account with its Connected Accounts tab.

Plain forms that work without JavaScript; labels and button names are what browser tests use.
"""

from dataclasses import dataclass
from html import escape

from sandbox.cms.store import Account, Connection, User

PRODUCT = "CareCloud"

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f4f6f2; margin: 0; color: #213024; }
header { background: #2f6b4f; color: #fff; padding: .8rem 1.5rem; display: flex;
         justify-content: space-between; align-items: center; }
header form { margin: 0; }
main { max-width: 44rem; margin: 2rem auto; background: #fff; padding: 2rem;
       border-radius: .5rem; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; margin: .8rem 0 .3rem; }
input[type=email], input[type=password] { width: 100%; padding: .5rem; box-sizing: border-box; }
button { margin-top: 1rem; padding: .6rem 1.2rem; border: 0; border-radius: .3rem;
         background: #2f6b4f; color: #fff; font-size: 1rem; cursor: pointer; }
button.tandem { background: #1d4e89; }
button.secondary { background: #e3e8e2; color: #213024; margin-top: 0; }
nav.tabs { display: flex; gap: 1rem; border-bottom: 1px solid #cdd5cb; margin-bottom: 1rem; }
nav.tabs a { padding: .4rem 0; color: #213024; text-decoration: none; }
nav.tabs a[aria-current=page] { border-bottom: 3px solid #2f6b4f; font-weight: 600; }
table { width: 100%; border-collapse: collapse; }
td, th { text-align: left; padding: .5rem .3rem; border-bottom: 1px solid #e3e8e2; }
.error { color: #b00020; }
.notice { color: #2f6b4f; }
.note { color: #5b6b5e; font-size: .9rem; }
.or { text-align: center; color: #5b6b5e; margin: 1.2rem 0 0; }
"""


@dataclass(frozen=True)
class Flash:
    text: str
    is_error: bool = False

    def html(self) -> str:
        if self.is_error:
            return f"<p class='error' role='alert'>{escape(self.text)}</p>"
        return f"<p class='notice' role='status'>{escape(self.text)}</p>"


def page(title: str, body: str, *, user: User | None = None, flashes: list[Flash] = ()) -> str:
    signed_in = (
        f"<span>{escape(user.name)} <form method='post' action='/logout' style='display:inline'>"
        "<button class='secondary' type='submit'>Log out</button></form></span>"
        if user
        else ""
    )
    messages = "".join(flash.html() for flash in flashes)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} | {PRODUCT}</title><style>{_STYLE}</style></head>"
        f"<body><header><strong>{PRODUCT}</strong>{signed_in}</header>"
        f"<main><h1>{escape(title)}</h1>{messages}{body}</main></body></html>"
    )


def login_page(*, email: str = "", flashes: list[Flash] = ()) -> str:
    return page(
        f"Log in to {PRODUCT}",
        "<form method='post' action='/login'>"
        "<label for='email'>Email</label>"
        f"<input id='email' name='email' type='email' autocomplete='username' required "
        f"value='{escape(email)}'>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button type='submit'>Log in</button></form>"
        "<p class='or'>or</p>"
        "<form method='post' action='/oauth/login'>"
        "<button class='tandem' type='submit'>Log in with Tandem</button></form>",
        flashes=flashes,
    )


def _tabs(active: str) -> str:
    links = (
        ("profile", "/account", "Profile"),
        ("connected", "/account/connected", "Connected Accounts"),
    )
    return (
        "<nav class='tabs' aria-label='My Account'>"
        + "".join(
            f"<a href='{href}'{' aria-current=page' if key == active else ''}>{label}</a>"
            for key, href, label in links
        )
        + "</nav>"
    )


def profile_page(*, user: User, accounts: list[Account], flashes: list[Flash] = ()) -> str:
    names = "".join(f"<li>{escape(account.name)}</li>" for account in accounts)
    return page(
        "My Account",
        _tabs("profile")
        + f"<p>{escape(user.name)} &lt;{escape(user.email)}&gt;</p>"
        + f"<h2>Accounts you administer</h2><ul>{names}</ul>",
        user=user,
        flashes=flashes,
    )


def connected_page(
    *,
    user: User,
    accounts: list[Account],
    connections: dict[str, Connection],
    flashes: list[Flash] = (),
) -> str:
    all_connected = all(account.id in connections for account in accounts)
    status = (
        "<p class='notice'><strong>Your account is connected to Tandem.</strong></p>"
        if all_connected
        else "<p>Your account is not connected to Tandem. Connect it so your accounting "
        "practice sees your clients in Tandem.</p>"
    )
    rows = "".join(_connection_row(account, connections.get(account.id)) for account in accounts)
    connect = (
        ""
        if all_connected
        else "<form method='post' action='/account/connect'>"
        "<button class='tandem' type='submit'>Connect to Tandem</button></form>"
    )
    return page(
        "My Account",
        _tabs("connected")
        + status
        + "<table><thead><tr><th>Account</th><th>Tandem</th><th></th></tr></thead>"
        + f"<tbody>{rows}</tbody></table>{connect}",
        user=user,
        flashes=flashes,
    )


def _connection_row(account: Account, connection: Connection | None) -> str:
    if connection is None:
        return f"<tr><td>{escape(account.name)}</td><td>Not connected</td><td></td></tr>"
    since = connection.connected_at.strftime("%d %b %Y %H:%M UTC")
    return (
        f"<tr><td>{escape(account.name)}</td>"
        f"<td>Connected since {since} by {escape(connection.connected_by)}</td>"
        f"<td><form method='post' action='/account/connected/{escape(account.id)}/disconnect'>"
        f"<button class='secondary' type='submit' aria-label='Disconnect {escape(account.name)}'>"
        "Disconnect</button></form></td></tr>"
    )
