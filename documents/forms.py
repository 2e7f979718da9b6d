from django import forms

from documents.filetypes import ALLOWED_SUMMARY


class DocumentUploadForm(forms.Form):
    # Empty files pass the form so the service refuses them with the same message as elsewhere.
    file = forms.FileField(allow_empty_file=True, help_text=f"A {ALLOWED_SUMMARY}.")
