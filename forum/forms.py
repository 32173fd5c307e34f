"""
Forms validate the shape of input; services own the rules.

Lengths here mirror the services' limits so that a browser shows the error
at once (``maxlength``), but the service check is the one that counts.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from .models import Community, Membership, Organisation, Region, User

LIMITS = settings.JEKAFO


class SignUpForm(UserCreationForm):
    class Meta:
        model = User
        fields = [
            "username",
            "display_name",
            "email",
            "region",
            "organisation",
            "preferred_language",
        ]
        help_texts = {
            "username": _(
                "Sert uniquement à vous connecter ; les autres membres ne le voient pas."
            ),
            "email": _("Facultatif. Jamais montrée aux autres membres ; sert à retrouver l'accès."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("name")
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "display_name",
            "bio",
            "region",
            "organisation",
            "email",
            "phone",
            "preferred_language",
        ]
        help_texts = {
            "email": _("Jamais montrée aux autres membres."),
            "phone": _("Facultatif. Jamais montré aux autres membres."),
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=LIMITS["TITLE_MAX_LENGTH"])
    body = forms.CharField(
        label=_("Message"),
        max_length=LIMITS["BODY_MAX_LENGTH"],
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Mise en forme Markdown : **gras**, *italique*, > citation, - liste, [lien](https://…)."
        ),
    )
    tags = forms.CharField(
        label=_("Étiquettes"),
        required=False,
        max_length=400,
        help_text=_("Séparées par des virgules, par exemple : loi 052, plaidoyer, Ségou."),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Votre réponse"),
        max_length=LIMITS["BODY_MAX_LENGTH"],
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mise en forme Markdown acceptée."),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class EditPostForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=LIMITS["BODY_MAX_LENGTH"],
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class HidePostForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=500)


class RenameThreadForm(forms.Form):
    title = forms.CharField(label=_("Nouveau titre"), max_length=LIMITS["TITLE_MAX_LENGTH"])


class RetagThreadForm(forms.Form):
    tags = forms.CharField(label=_("Étiquettes"), required=False, max_length=400)


class MoveThreadForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Vers la communauté"), queryset=Community.objects.none()
    )
    reason = forms.CharField(label=_("Motif (facultatif)"), required=False, max_length=500)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["target"].queryset = communities


class LockThreadForm(forms.Form):
    reason = forms.CharField(label=_("Motif (facultatif)"), required=False, max_length=500)


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Quelques mots pour les modérateurs (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationForm(forms.Form):
    days = forms.IntegerField(label=_("Valable (jours)"), min_value=1, max_value=90, initial=14)
    max_uses = forms.IntegerField(
        label=_("Nombre d'utilisations"), min_value=1, max_value=500, initial=25
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Membership.Role.choices)


class OrganisationFilterForm(forms.Form):
    domain = forms.ChoiceField(label=_("Domaine d'intervention"), required=False)
    region = forms.ChoiceField(label=_("Région"), required=False)

    def __init__(self, *args, domains=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("Tous"))]
        self.fields["domain"].choices = everything + [(t.slug, t.name) for t in domains]
        self.fields["region"].choices = [("", _("Toutes"))] + [(r.slug, r.name) for r in regions]
