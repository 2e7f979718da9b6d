from django.contrib import admin
from django.db import models
from oauth2_provider.admin import ApplicationAdmin

from identity.models import Application, Consent

# The toolkit registers its admin for whichever model OAUTH2_PROVIDER_APPLICATION_MODEL names;
# this one adds the CMS fields to it.
admin.site.unregister(Application)


@admin.register(Application)
class CmsApplicationAdmin(ApplicationAdmin):
    list_display = ("name", "client_id", "client_type", "authorization_grant_type", "created")
    search_fields = ("name", "client_id")
    # A web address typed without a scheme is a CMS's public https endpoint.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("name", "logo_url", "client_feed_url")}),
        (
            "OAuth",
            {
                "fields": (
                    "client_id",
                    "client_type",
                    "client_secret",
                    "hash_client_secret",
                    "authorization_grant_type",
                    "redirect_uris",
                    "post_logout_redirect_uris",
                    "algorithm",
                    "skip_authorization",
                )
            },
        ),
    )


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("user", "application", "scope", "granted_at")
    list_select_related = ("user", "application")
    search_fields = ("user__email", "application__name")
    readonly_fields = ("user", "application", "scope", "granted_at")
