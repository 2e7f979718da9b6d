import factory

from identity.models import Application

CLIENT_SECRET = "cms-test-client-secret"


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A confidential CMS application using the authorization code grant.

    Its secret is CLIENT_SECRET (stored hashed, as every client secret is).
    """

    class Meta:
        model = Application

    name = factory.Sequence(lambda n: f"Ledgerly CMS {n}")
    client_type = Application.CLIENT_CONFIDENTIAL
    authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    redirect_uris = "https://cms.example.com/oauth/callback"
    client_secret = CLIENT_SECRET
