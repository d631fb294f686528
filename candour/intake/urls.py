from django.urls import path

from candour.intake import views

app_name = "intake"

urlpatterns = [
    path("status/", views.status, name="status"),
    path("<str:code>/", views.start, name="start"),
    path("<str:code>/check/", views.check, name="check"),
    path("<str:code>/sent/", views.sent, name="sent"),
    path("<str:code>/<slug:slug>/", views.question, name="question"),
]
