from django.urls import path

from candour.web import signin, views

app_name = "web"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("cases/<str:reference>/", views.case, name="case"),
    path("organisation/", views.choose_organisation, name="choose-organisation"),
    path("sign-in/", signin.sign_in, name="sign-in"),
    path("sign-in/code/", signin.code, name="code"),
    path("sign-in/set-up/", signin.set_up, name="set-up"),
    path("sign-out/", signin.sign_out, name="sign-out"),
]
