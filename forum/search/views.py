"""The search page, ``/recherche/``: a GET form that works without JavaScript."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .forms import SearchForm, read_page
from .service import search

TEMPLATE = "forum/search.html"


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    viewer = request.user if request.user.is_authenticated else None
    form = SearchForm(request.GET, viewer=viewer)
    results = None
    status = 200
    if not form.is_valid():
        status = 400
    elif form.cleaned_data["q"].strip() or form.filtered:
        # Filters alone list the newest items that match them.
        results = search(
            viewer,
            form.cleaned_data["q"],
            filters=form.filters(),
            page=read_page(request.GET.get("page")),
        )
    # The results alone, for the search-as-one-types script (a partial of the same page).
    template = TEMPLATE + "#results" if request.GET.get("fragment") == "1" else TEMPLATE
    return render(request, template, {"form": form, "results": results}, status=status)
