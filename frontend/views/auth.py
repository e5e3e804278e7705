"""Sign in and out with Django's auth views; sign-in attempts count against the same limit
as the API's token endpoint and the admin's sign-in."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from planner.admin_site import sign_in_refusal


class SignInView(auth_views.LoginView):
    template_name = "frontend/sign_in.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs) -> HttpResponse:
        return sign_in_refusal(request) or super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    pass
