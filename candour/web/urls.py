from django.urls import path

from candour.web import (
    coding,
    dashboard,
    learning,
    letters,
    manage,
    reports,
    restrictions,
    signin,
    views,
)

app_name = "web"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("record/", views.record_feedback, name="record"),
    path("record/quick/", views.record_quickly, name="record-quick"),
    path("cases/<str:reference>/", views.case, name="case"),
    path("cases/<str:reference>/attachments/", views.attach, name="attach"),
    path("cases/<str:reference>/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("cases/<str:reference>/letters/", letters.case_letters, name="letters"),
    path("cases/<str:reference>/letters/<int:pk>/", letters.letter, name="letter"),
    path("cases/<str:reference>/letters/<int:pk>/text/", letters.text, name="letter-text"),
    path(
        "cases/<str:reference>/letters/<int:pk>/dispatch/",
        letters.dispatch,
        name="letter-dispatch",
    ),
    path(
        "cases/<str:reference>/letters/<int:pk>/file.<str:format>",
        letters.download,
        name="letter-download",
    ),
    path(
        "cases/<str:reference>/letters/<int:pk>/<slug:action>/",
        letters.act,
        name="letter-act",
    ),
    path("cases/<str:reference>/coding/", coding.case_coding, name="case-coding"),
    path("coding/", coding.bulk_coding, name="bulk-coding"),
    path("cases/<str:reference>/<slug:action>/", views.case_action, name="case-action"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    # Issue 17: the routes about a person rather than one case (R33, R34).
    path("restrictions/", restrictions.restriction_list, name="restrictions"),
    path(
        "restrictions/new/<str:reference>/", restrictions.start_restriction, name="restriction-new"
    ),
    path("restrictions/<int:pk>/", restrictions.restriction, name="restriction"),
    path(
        "restrictions/<int:pk>/<slug:step>/", restrictions.restriction_step, name="restriction-step"
    ),
    path("service-users/", restrictions.plan_list, name="plans"),
    path("service-users/new/<str:reference>/", restrictions.start_plan, name="plan-new"),
    path("service-users/<int:pk>/", restrictions.plan, name="plan"),
    path("service-users/<int:pk>/<slug:step>/", restrictions.plan_step, name="plan-step"),
    path("learning/", learning.learning, name="learning"),
    path("organisation/", views.choose_organisation, name="choose-organisation"),
    path("manage/", manage.index, name="manage"),
    path("manage/<str:code>/", manage.organisation, name="manage-organisation"),
    path("manage/<str:code>/users/new/", manage.add_user, name="manage-add-user"),
    path("manage/<str:code>/users/<int:user_id>/", manage.person, name="manage-person"),
    path("manage/<str:code>/closure-days/", manage.closure_days, name="manage-closure-days"),
    path(
        "manage/<str:code>/closure-days/<int:closure_id>/remove/",
        manage.remove_closure_day,
        name="manage-remove-closure-day",
    ),
    path("manage/<str:code>/policy/", manage.policy, name="manage-policy"),
    path("reports/", reports.index, name="reports"),
    path("reports/<str:code>/<slug:kind>/<str:period>/", reports.report, name="report"),
    path(
        "reports/<str:code>/<slug:kind>/<str:period>/commentary/",
        reports.save_commentary,
        name="report-commentary",
    ),
    path("reports/<str:code>/<slug:kind>/<str:period>/cases/", reports.cases, name="report-cases"),
    path(
        "reports/<str:code>/<slug:kind>/<str:period>/uncoded/",
        reports.uncoded,
        name="report-uncoded",
    ),
    path(
        "reports/<str:code>/<slug:kind>/<str:period>/submission/",
        reports.submission,
        name="report-submission",
    ),
    path(
        "reports/<str:code>/<slug:kind>/<str:period>/spreadsheet/",
        reports.spreadsheet,
        name="report-spreadsheet",
    ),
    path("reports/<str:code>/<slug:kind>/<str:period>/pdf/", reports.pdf, name="report-pdf"),
    path("sign-in/", signin.sign_in, name="sign-in"),
    path("sign-in/code/", signin.code, name="code"),
    path("sign-in/set-up/", signin.set_up, name="set-up"),
    path("sign-out/", signin.sign_out, name="sign-out"),
]
