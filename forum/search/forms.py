"""The search form: the one place its inputs and their bounds are read."""

from datetime import date

from django import forms
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from forum import inputs
from forum.models import Community, Organisation, Region, Tag, User
from forum.selectors import visible_communities_q

from .service import SearchFilters
from .text import MAX_QUERY_CHARS, parse_query

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_PAGE = 1000


class _SlugChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=MAX_QUERY_CHARS,
        error_messages={
            "max_length": _("Votre recherche est trop longue : %(limit_value)d caractères au plus.")
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "id": "search-q"}),
    )
    communaute = _SlugChoice(
        label=_("Communauté"),
        queryset=Community.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
    )
    etiquette = forms.CharField(label=_("Étiquette"), required=False, max_length=100)
    region = _SlugChoice(
        label=_("Région"),
        queryset=Region.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
    )
    organisation = _SlugChoice(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
    )
    auteur = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, viewer: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.fields["communaute"].queryset = Community.objects.filter(
            visible_communities_q(viewer)
        ).order_by("name")

    def clean_q(self) -> str:
        text = self.cleaned_data["q"]
        try:
            parse_query(text)
        except inputs.BadInput as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return text

    def _clean_day(self, name: str) -> date | None:
        day = self.cleaned_data[name]
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                _("Choisissez une date entre %(start)s et %(end)s.")
                % {"start": EARLIEST.isoformat(), "end": LATEST.isoformat()},
                code="out_of_range",
            )
        return day

    def clean_du(self):
        return self._clean_day("du")

    def clean_au(self):
        return self._clean_day("au")

    def clean_auteur(self) -> User | None:
        value = self.cleaned_data["auteur"]
        if not value:
            return None
        number = inputs.read_whole_number(value)
        author = User.objects.filter(pk=number, is_active=True).first() if number else None
        if author is None:
            raise forms.ValidationError(_("Ce membre n'existe pas."), code="unknown_author")
        return author

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        tag = None
        if data.get("etiquette"):
            # By its address ("loi-052") or its name as shown ("Loi 052"); an unknown
            # tag matches nothing (a tag id no entry holds).
            typed = data["etiquette"].strip()
            tag = Tag.objects.filter(
                Q(slug=slugify(typed, allow_unicode=True)) | Q(name__iexact=typed)
            ).first() or Tag(pk=0)
        return SearchFilters(
            community=data.get("communaute"),
            tag=tag,
            region=data.get("region"),
            organisation=data.get("organisation"),
            author=data.get("auteur"),
            date_from=data.get("du"),
            date_to=data.get("au"),
        )

    @property
    def filtered(self) -> bool:
        return any(self.cleaned_data.get(n) for n in self.fields if n != "q")


def read_page(value) -> int:
    """The page asked for: a whole number from 1 to MAX_PAGE, else the first."""
    number = inputs.read_whole_number(value, maximum=MAX_PAGE)
    return number if number else 1
