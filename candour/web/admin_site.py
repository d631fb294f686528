"""The Django admin, behind the same two-factor sign-in as the staff pages.

django-otp's OTPAdminSite lets in only sessions verified with a second factor; its own login
form is replaced by Candour's sign-in, so there is one way in.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class CandourAdminSite(OTPAdminSite):
    def login(self, request, extra_context=None):
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('web:sign-in')}?{urlencode({'next': target})}")
