"""
Forms validate the shape of input; services own the rules.

Lengths here mirror the services' limits so that a browser shows the error
at once (``maxlength``), but the service check is the one that counts.
"""

import re
import secrets

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.core.validators import RegexValidator
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from . import media
from .models import Community, EmailPreference, Membership, Organisation, Region, Report, User
from .names import MAX_LENGTH as NAME_MAX_LENGTH

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
        self.fields["display_name"].max_length = NAME_MAX_LENGTH
        self.fields["display_name"].widget.attrs["maxlength"] = NAME_MAX_LENGTH
        self.fields["display_name"].help_text = _(
            "Le nom que les autres membres voient (un pseudonyme est accepté). "
            "Il ne doit pas ressembler au nom d'un autre membre ni à celui de l'équipe."
        )


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
            "show_organisation",
            "show_region",
            "show_activity",
        ]
        help_texts = {
            "email": _("Jamais montrée aux autres membres."),
            "phone": _("Facultatif. Jamais montré aux autres membres."),
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4}),
            "show_organisation": forms.RadioSelect,
            "show_region": forms.RadioSelect,
            "show_activity": forms.RadioSelect,
        }

    PRIVACY_FIELDS = ("show_organisation", "show_region", "show_activity")

    def _clean_choice(self, name: str) -> str:
        return self.cleaned_data.get(name) or getattr(self.instance, name)

    def clean_show_organisation(self) -> str:
        return self._clean_choice("show_organisation")

    def clean_show_region(self) -> str:
        return self._clean_choice("show_region")

    def clean_show_activity(self) -> str:
        return self._clean_choice("show_activity")

    def identity_fields(self):
        return [field for field in self if field.name not in self.PRIVACY_FIELDS]

    def privacy_fields(self):
        return [self[name] for name in self.PRIVACY_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form sent without these choices (an older page) keeps the member's current ones.
        for name in self.PRIVACY_FIELDS:
            self.fields[name].required = False
        self.fields["display_name"].max_length = NAME_MAX_LENGTH
        self.fields["display_name"].widget.attrs["maxlength"] = NAME_MAX_LENGTH
        self.fields["display_name"].help_text = _(
            "Le nom que les autres membres voient (un pseudonyme est accepté). "
            "Il ne doit pas ressembler au nom d'un autre membre ni à celui de l'équipe."
        )
        # A zone set elsewhere (by staff, in the admin) stays selectable.
        current = self.instance.time_zone if self.instance else ""
        if current and current not in dict(TIME_ZONE_CHOICES):
            self.fields["time_zone"].choices = [*TIME_ZONE_CHOICES, (current, current)]


_BAD_KEY = _("La clé du message doit faire 8 à 64 caractères parmi A-Z, a-z, 0-9, - et _.")


def new_post_key() -> str:
    """A fresh idempotency key, drawn each time a form is shown."""
    return "p" + secrets.token_urlsafe(18)


class PostKeyField(forms.CharField):
    """The hidden idempotency key of a post form.

    Drawn by the server when the page is made, so that the same form sent
    twice (a retry, a double tap, the device's outbox) is one post, with or
    without JavaScript. Empty is allowed: the form then has no key.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", new_post_key)
        kwargs.setdefault(
            "validators",
            [
                RegexValidator(
                    r"\A[A-Za-z0-9_-]{8,64}\Z",
                    _BAD_KEY,
                )
            ],
        )
        super().__init__(**kwargs)


ACCEPTED_FILES = (
    "image/jpeg,image/png,image/webp,audio/*,.pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.txt,.csv"
)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (``<input type="file" multiple>``); a list, maybe empty."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            # What the allowlist takes, so that a phone's picker offers it (and an iPhone
            # sends its HEIC photos as JPEG). The server judges the bytes anyway.
            MultipleFileInput(attrs={"multiple": True, "accept": ACCEPTED_FILES}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(item, initial) for item in data if item]
        return [one(data, initial)] if data else []


class VoiceInput(forms.FileInput):
    """A file input the phone's own recorder fills (``capture``); voice.js adds a recorder.

    Its template draws the recorder's translated buttons and messages beside
    the input (``includes/voice_ui.html``), as the ``voice_input`` include does.
    """

    template_name = "forum/widgets/voice_input.html"

    def __init__(self, attrs=None):
        base = {
            "accept": "audio/*",
            "capture": True,
            "data-voice": True,
            "data-max-seconds": media.MAX_SECONDS,
        }
        super().__init__({**base, **(attrs or {})})


def voice_field() -> forms.FileField:
    """The recording of a voice note: the phone's recorder without JavaScript, voice.js with it."""
    return forms.FileField(
        label=_("Note vocale"),
        required=False,
        widget=VoiceInput(),
        help_text=_("Enregistrez ou choisissez un message vocal (10 min au plus)."),
    )


def files_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Photos ou documents"),
        required=False,
        help_text=_(
            "4 fichiers par message au plus, 10 Mo chacun : photos (JPEG, PNG, WebP), "
            "PDF, Word, Excel, PowerPoint, OpenDocument, texte, audio."
        ),
    )


class FilesMixin:
    """A post's text is optional with a voice note: the service decides (one place)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].required = False


class ThreadForm(FilesMixin, forms.Form):
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
    key = PostKeyField()
    voice = voice_field()
    files = files_field()


class ReplyForm(FilesMixin, forms.Form):
    body = forms.CharField(
        label=_("Votre réponse"),
        max_length=LIMITS["BODY_MAX_LENGTH"],
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mise en forme Markdown acceptée. Facultatif avec une note vocale."),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    key = PostKeyField()
    voice = voice_field()
    files = files_field()


# The thread page's blank reply form, drawn once per language and mentions address (a
# CoP): its fifteen widget templates were 1.4 ms of each signed-in page. Only its
# idempotency key changes from one page to the next; nothing in it depends on the reader.
_BLANK_REPLY_FORMS: dict[tuple[str | None, str], str] = {}
_BLANK_REPLY_FORMS_MAX = 1000  # CoPs × languages; beyond, the drawings start over
_KEY_SLOT = "pKEYSLOTkeyslotKEYSLOTkeyslot"


def blank_reply_form_html(mentions_url: str) -> SafeString:
    """The HTML of ``ReplyForm()`` with its body's ``data-mentions-url``, and a fresh key."""
    slot = (translation.get_language(), mentions_url)
    html = _BLANK_REPLY_FORMS.get(slot)
    if html is None:
        form = ReplyForm(initial={"key": _KEY_SLOT})
        form.fields["body"].widget.attrs["data-mentions-url"] = mentions_url
        html = str(form)
        if html.count(_KEY_SLOT) != 1:  # never a form without its key, nor with two
            raise AssertionError("the reply form must draw its key exactly once")
        if len(_BLANK_REPLY_FORMS) >= _BLANK_REPLY_FORMS_MAX:
            _BLANK_REPLY_FORMS.clear()
        _BLANK_REPLY_FORMS[slot] = html
    # The key is URL-safe base64: nothing in it to escape.
    return mark_safe(html.replace(_KEY_SLOT, new_post_key()))  # noqa: S308


class EditPostForm(FilesMixin, forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=LIMITS["BODY_MAX_LENGTH"],
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    remove = forms.TypedMultipleChoiceField(
        label=_("Retirer des fichiers"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    voice = voice_field()
    files = files_field()

    def __init__(self, *args, attached=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f.pk, f"{f.get_kind_display()} : {f.name}") for f in attached]
        self.fields["remove"].choices = choices
        if not choices:
            del self.fields["remove"]


class TranscriptForm(forms.Form):
    transcript = forms.CharField(
        label=_("Transcription"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ce que dit la note vocale, pour qui ne peut pas l'écouter."),
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


class CloseThreadForm(forms.Form):
    note = forms.CharField(
        label=_("Note affichée à tous"),
        max_length=500,
        help_text=_("Lue sous la forme « Discussion close par la modération : … »."),
    )
    reason = forms.CharField(
        label=_("Motif pour le journal (facultatif)"), required=False, max_length=500
    )


class SlowModeForm(forms.Form):
    seconds = forms.IntegerField(
        label=_("Mode lent : secondes entre deux réponses d'un membre (0 : arrêt)"),
        min_value=0,
        max_value=86400,
    )


THREAD_ADDRESS = re.compile(r"^\s*(?:[0-9]+|\S*/discussions/([0-9]+)(?:/\S*)?)\s*$")


class MergeThreadForm(forms.Form):
    target = forms.CharField(
        label=_("Fusionner dans la discussion (numéro ou adresse)"),
        max_length=300,
        help_text=_("Les messages de cette discussion-ci y seront déplacés."),
    )
    reason = forms.CharField(label=_("Motif (facultatif)"), required=False, max_length=500)

    def clean_target(self) -> int:
        value = self.cleaned_data["target"]
        match = THREAD_ADDRESS.match(value)
        number = match and (match.group(1) or value.strip())
        if not number or len(number) > 12:
            raise forms.ValidationError(
                _("Donnez le numéro de la discussion ou son adresse (…/discussions/123/…).")
            )
        return int(number)


class SplitThreadForm(forms.Form):
    title = forms.CharField(label=_("Titre de la nouvelle discussion"), max_length=200)
    community = forms.ModelChoiceField(
        label=_("Dans la communauté"), queryset=Community.objects.none()
    )
    reason = forms.CharField(label=_("Motif (facultatif)"), required=False, max_length=500)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["community"].queryset = communities


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


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Pourquoi signalez-vous ce contenu ?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Précisions (obligatoires pour « autre raison »)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveCaseForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("hide", _("masquer")),
            ("edited", _("modifié")),
            ("warn", _("avertir")),
            ("dismiss", _("classer")),
        ]
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RefusePostForm(forms.Form):
    note = forms.CharField(label=_("Note pour l'auteur·e"), max_length=500)


class ReviewSettingsForm(forms.Form):
    auto_hide_threshold = forms.IntegerField(
        label=_("Masquer automatiquement après N signalements de membres différents (0 : jamais)"),
        min_value=0,
        max_value=50,
    )
    premoderation_posts = forms.IntegerField(
        label=_("Les N premiers messages d'un nouveau membre attendent une validation (0 : non)"),
        min_value=0,
        max_value=50,
    )
    sensitive = forms.BooleanField(
        label=_("Communauté sensible"),
        required=False,
        help_text=_(
            "Les e-mails sur cette communauté disent seulement qu'il y a du nouveau : ni titre, "
            "ni contenu, ni nom de personne, ni le nom de la communauté."
        ),
    )


class EmailPreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Recevoir mes notifications par e-mail"),
        choices=EmailPreference.Frequency.choices,
        widget=forms.RadioSelect,
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe, pour confirmer"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    erase_content = forms.BooleanField(
        label=_("Effacer aussi mes messages"),
        required=False,
        help_text=_(
            "Le texte de vos messages, de vos messages de salon et de vos questions de "
            "webinaire sera remplacé par « message supprimé » ; les discussions restent "
            "lisibles pour les autres. Sans cette case, vos messages restent, signés "
            "« ancien·ne membre »."
        ),
    )


def duration_choices() -> list[tuple[str, str]]:
    from .services import DURATIONS

    return [(key, label) for key, (_delta, label) in DURATIONS.items()]


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Motif"))
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault(
            "help_text",
            _("La personne concernée le lira ; il reste dans le journal de modération."),
        )
        super().__init__(**kwargs)


class RemoveMemberForm(forms.Form):
    reason = ReasonField()
    duration = forms.ChoiceField(
        label=_("Elle ou il ne peut pas revenir pendant"),
        choices=duration_choices,
        initial="forever",
        help_text=_("Ni par un lien d'invitation ni par une demande, jusqu'à la fin de ce délai."),
        required=False,
    )

    def clean_duration(self) -> str:
        return self.cleaned_data["duration"] or "forever"


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Sanction"),
        choices=[
            ("mute", _("Sourdine : peut lire, ne peut plus écrire")),
            (
                "ban",
                _("Exclusion : ne peut plus participer (ni voir, si la communauté est privée)"),
            ),
        ],
        widget=forms.RadioSelect,
    )
    duration = forms.ChoiceField(label=_("Durée"), choices=duration_choices, initial="1d")
    reason = ReasonField()


class SiteBanForm(forms.Form):
    reason = ReasonField()
