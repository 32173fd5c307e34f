from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from forum.account_views import admin_login

urlpatterns = [
    # Before the admin's own: staff sign in through the site's form (throttle, second factor).
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("", include("forum.urls")),
    path("", include("rooms.urls")),
    path("", include("webinars.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
