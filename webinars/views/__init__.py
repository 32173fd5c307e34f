"""Webinar pages, one module a part; each module lists its own ``urlpatterns``."""
