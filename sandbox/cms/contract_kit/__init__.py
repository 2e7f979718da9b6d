"""The client-feed contract kit: pytest checks a CMS supplier runs against their own feed."""
