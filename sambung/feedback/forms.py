"""Forms of reviews and complaints: they parse and check input; reviews.py and complaints.py do the saving."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sambung.catalog.forms import RupiahField
from sambung.feedback.complaints import Resolution
from sambung.feedback.models import MAX_NOTE, MAX_TEXT, ComplaintReason

STARS = [(n, str(n)) for n in range(5, 0, -1)]


class PhotoUpload(forms.FileField):
    """An optional photo of up to 12 MB, refused before it is read into memory."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/*"})

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Photo (optional)"))
        kwargs.setdefault("help_text", _("A JPEG, PNG or HEIC photo of up to 12 MB."))
        super().__init__(required=False, error_messages={"empty": _("The file is empty.")}, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload.size > settings.PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than 12 MB. Send a smaller photo."))
        return upload


def upload_bytes(upload) -> bytes | None:
    return b"".join(upload.chunks()) if upload else None


class ReviewForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Give from 1 to 5 stars."),
            "invalid_choice": _("Give from 1 to 5 stars."),
        },
    )
    text = forms.CharField(
        label=_("Your review (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("How is the cloth, its colours, the weave? Up to 2000 characters."),
    )
    photo = PhotoUpload()


class ComplaintForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What went wrong?"),
        choices=ComplaintReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what went wrong."),
            "invalid_choice": _("Choose what went wrong."),
        },
    )
    text = forms.CharField(
        label=_("What happened?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Tell us what happened.")},
    )
    photo = PhotoUpload(help_text=_("A photo of the damage or of what arrived helps the cooperative decide."))

    def __init__(self, *args, late_only: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if late_only:  # before delivery, only lateness can be reported
            self.fields["reason"].choices = [(ComplaintReason.LATE, ComplaintReason.LATE.label)]


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Publish")), ("reject", _("Do not publish"))],
        error_messages={"required": _("Choose whether to publish the review.")},
    )
    reason = forms.CharField(
        label=_("Reason (the buyer sees it)"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class MessageForm(forms.Form):
    note = forms.CharField(
        label=_("Message to the buyer"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the message to the buyer.")},
    )


class AmountField(RupiahField):
    default_error_messages = {
        "invalid": _("Enter the amount in whole rupiah, using digits only, e.g. 250000."),
        "min_value": _("Enter the amount to refund, in whole rupiah."),
        "max_value": _("The amount is too large."),
    }


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        choices=[
            (Resolution.REFUND, _("Refund")),
            (Resolution.REPLACEMENT, _("Replacement")),
            (Resolution.REFUSAL, _("Refuse")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how the complaint is resolved."),
            "invalid_choice": _("Choose how the complaint is resolved."),
        },
    )
    amount = AmountField(label=_("Refund (Rp)"), required=False, help_text=_("Only for a refund."))
    note = forms.CharField(
        label=_("Message to the buyer"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you refuse: explain why."),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("resolution") == Resolution.REFUND
            and data.get("amount") is None
            and "amount" not in self.errors
        ):
            self.add_error("amount", _("Enter the amount to refund, in whole rupiah."))
        if data.get("resolution") == Resolution.REFUSAL and not (data.get("note") or "").strip():
            self.add_error("note", _("Explain to the buyer why the complaint is refused."))
        return data
