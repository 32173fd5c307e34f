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
# The range of a database id (SQLite INTEGER, PostgreSQL bigint).
ID_RANGE = range(-(2**63), 2**63)


class ModelIdsField(forms.ModelMultipleChoiceField):
    """Several choices by id, where an id no database can hold is an invalid choice.

    Django looks the ids up with ``pk__in``, and SQLite raises OverflowError
    on a number past 64 bits (``regions=10**20``): refuse it before the query.
    """

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number: Django refuses it as such
            if number not in ID_RANGE:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


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


# The zones members of Malian CoPs and their partners live in; blank is the site's zone.
TIME_ZONE_CHOICES = [
    ("", _("Africa/Bamako (heure du Mali)")),
    ("Africa/Dakar", _("Africa/Dakar (Sénégal)")),
    ("Africa/Abidjan", _("Africa/Abidjan (Côte d'Ivoire)")),
    ("Africa/Ouagadougou", _("Africa/Ouagadougou (Burkina Faso)")),
    ("Africa/Niamey", _("Africa/Niamey (Niger)")),
    ("Africa/Conakry", _("Africa/Conakry (Guinée)")),
    ("Africa/Nouakchott", _("Africa/Nouakchott (Mauritanie)")),
    ("Africa/Lagos", _("Africa/Lagos (Nigeria)")),
    ("Europe/Paris", _("Europe/Paris (France)")),
    ("Europe/Brussels", _("Europe/Brussels (Belgique)")),
    ("Europe/London", _("Europe/London (Royaume-Uni)")),
    ("America/New_York", _("America/New_York (États-Unis, côte est)")),
    ("America/Toronto", _("America/Toronto (Canada, Ontario et Québec)")),
]


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Fuseau horaire"),
        choices=TIME_ZONE_CHOICES,
        required=False,
        help_text=_(
            "Les heures des webinaires sont données à Bamako ; "
            "si vous vivez ailleurs, elles s'affichent aussi à votre heure."
        ),
    )

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
            "time_zone",
        ]
        help_texts = {
            "email": _("Jamais montrée aux autres membres."),
            "phone": _("Facultatif. Jamais montré aux autres membres."),
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A zone set elsewhere (by staff, in the admin) stays selectable.
        current = self.instance.time_zone if self.instance else ""
        if current and current not in dict(TIME_ZONE_CHOICES):
            self.fields["time_zone"].choices = [*TIME_ZONE_CHOICES, (current, current)]


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
