from django.contrib import admin
from django.urls import include, path

from candour.web.admin_site import CandourAdminSite

# The admin needs a verified second factor (django-otp's documented way to swap the default
# site's class, so that the models registered with @admin.register stay registered).
admin.site.__class__ = CandourAdminSite
admin.site.site_header = "Candour administration"
admin.site.site_title = "Candour"
admin.site.index_title = "Organisations, people and policy"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", ("candour.api.urls", "api", "api")),  # = include(), with no new import
    # The public feedback form and status page: no sign-in, outside the staff `web` namespace.
    path("feedback/", include("candour.intake.urls")),
    path("", include("candour.web.urls")),
]
