from django import forms


class DeviceApprovalForm(forms.Form):
    user_code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The code “tandem-agent login” shows, e.g. 3F7K9QAB.",
        error_messages={"required": "Code: enter the code the agent shows."},
    )
