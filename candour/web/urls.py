from django.urls import path

from candour.web import signin, views

app_name = "web"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("record/", views.record_feedback, name="record"),
    path("record/quick/", views.record_quickly, name="record-quick"),
    path("cases/<str:reference>/", views.case, name="case"),
    path("cases/<str:reference>/attachments/", views.attach, name="attach"),
    path("cases/<str:reference>/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("cases/<str:reference>/<slug:action>/", views.case_action, name="case-action"),
    path("organisation/", views.choose_organisation, name="choose-organisation"),
    path("sign-in/", signin.sign_in, name="sign-in"),
    path("sign-in/code/", signin.code, name="code"),
    path("sign-in/set-up/", signin.set_up, name="set-up"),
    path("sign-out/", signin.sign_out, name="sign-out"),
]
