from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Candour administration"
admin.site.site_title = "Candour"
admin.site.index_title = "Organisations, people and policy"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", ("candour.api.urls", "api", "api")),  # = include(), with no new import
]
