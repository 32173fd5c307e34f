"""Forms of the account security pages (sessions, reset, second factor)."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class MemberLanguagePasswordResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail written in each member's own language."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user = context.get("user")
        language = getattr(user, "preferred_language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class CodeForm(forms.Form):
    """A six-digit code from the authenticator application, or a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("Les 6 chiffres affichés par l'application, ou un code de secours."),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())
