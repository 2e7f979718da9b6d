"""The few HTML pages of the sign-in and consent flow, plain enough to work without JavaScript."""

from html import escape

from sandbox.xpm.identity import Organisation

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f2f5f7; margin: 0; color: #1e2a33; }
main { max-width: 26rem; margin: 4rem auto; background: #fff; padding: 2rem;
       border-radius: .5rem; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; margin: .8rem 0 .3rem; }
input[type=email], input[type=password] { width: 100%; padding: .5rem; box-sizing: border-box; }
fieldset { border: 0; padding: 0; margin: 1rem 0; }
fieldset label { display: flex; gap: .5rem; align-items: center; }
button { margin-top: 1.2rem; padding: .6rem 1.2rem; border: 0; border-radius: .3rem;
         background: #13b5ea; color: #fff; font-size: 1rem; cursor: pointer; }
button.secondary { background: #e1e6ea; color: #1e2a33; }
.error { color: #b00020; }
.note { color: #5b6b77; font-size: .9rem; }
"""


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} | Xero (sandbox)</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def error_page(message: str) -> str:
    return page("Something went wrong", f"<p class='error' role='alert'>{escape(message)}</p>")


def login_page(*, request_id: str, app_name: str, email: str = "", error: str = "") -> str:
    alert = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    return page(
        "Log in to Xero",
        f"{alert}<p class='note'>{escape(app_name)} wants to connect to Xero Practice Manager.</p>"
        "<form method='post' action='/identity/connect/authorize/login'>"
        f"<input type='hidden' name='request' value='{escape(request_id)}'>"
        "<label for='email'>Email address</label>"
        f"<input id='email' name='email' type='email' autocomplete='username' required "
        f"value='{escape(email)}'>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button type='submit'>Log in</button></form>",
    )


def consent_page(
    *,
    request_id: str,
    app_name: str,
    scope: str,
    organisations: list[Organisation],
    error: str = "",
) -> str:
    alert = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    choices = "".join(
        f"<label><input type='checkbox' name='tenant' value='{escape(org.tenant_id)}'>"
        f"{escape(org.name)}</label>"
        for org in organisations
    )
    return page(
        f"{app_name} wants access",
        f"{alert}<p>Choose the organisations {escape(app_name)} may use.</p>"
        f"<p class='note'>Access requested: {escape(scope)}</p>"
        "<form method='post' action='/identity/connect/consent'>"
        f"<input type='hidden' name='request' value='{escape(request_id)}'>"
        f"<fieldset><legend>Organisations</legend>{choices}</fieldset>"
        "<button type='submit' name='action' value='allow'>Allow access</button> "
        "<button type='submit' name='action' value='cancel' class='secondary' formnovalidate>"
        "Cancel</button></form>",
    )
